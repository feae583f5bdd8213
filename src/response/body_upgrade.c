/* The response that hands a connection over after "101 Switching
 * Protocols". */
#include "response/response.h"

_MHD_EXTERN struct MHD_Response *MHD_create_response_for_upgrade(MHD_UpgradeHandler upgrade_handler,
                                                                 void *upgrade_handler_cls)
{
    if (upgrade_handler == NULL)
        return NULL;
    struct MHD_Response *r = mhd_response_new(BODY_UPGRADE, 0);
    if (r == NULL)
        return NULL;
    r->upgrade_handler = upgrade_handler;
    r->upgrade_cls = upgrade_handler_cls;
    if (MHD_add_response_header(r, "Connection", "Upgrade") != MHD_YES) {
        mhd_response_unref(r);
        return NULL;
    }
    return r;
}
