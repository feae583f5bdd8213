/* The public Basic authentication functions: read the credentials of a
 * request, and answer 401 with a Basic challenge. */
#include "api/auth_conn.h"

_MHD_EXTERN struct MHD_BasicAuthInfo *
MHD_basic_auth_get_username_password3(struct MHD_Connection *connection)
{
    const char *value;
    size_t len;
    if (!mhd_auth_conn_header(connection, "Basic", &value, &len))
        return NULL;
    return mhd_basic_parse(value, len);
}

_MHD_EXTERN char *MHD_basic_auth_get_username_password(struct MHD_Connection *connection,
                                                       char **password)
{
    const char *value;
    size_t len;
    /* Without credentials *password stays as the caller set it. */
    if (!mhd_auth_conn_header(connection, "Basic", &value, &len))
        return NULL;
    return mhd_basic_parse_legacy(value, len, password);
}

_MHD_EXTERN enum MHD_Result
MHD_queue_basic_auth_required_response3(struct MHD_Connection *connection, const char *realm,
                                        int prefer_utf8, struct MHD_Response *response)
{
    if (connection == NULL || response == NULL)
        return MHD_NO;
    return mhd_auth_queue_challenge(connection, response,
                                    mhd_basic_challenge(realm, prefer_utf8 != 0, NULL));
}

_MHD_EXTERN enum MHD_Result MHD_queue_basic_auth_fail_response(struct MHD_Connection *connection,
                                                               const char *realm,
                                                               struct MHD_Response *response)
{
    return MHD_queue_basic_auth_required_response3(connection, realm, 0, response);
}
