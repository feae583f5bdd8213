/* Reason phrases and the version functions. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "microhttpd.h"

int main(void)
{
    CHECK_EQ_STR(MHD_get_reason_phrase_for(200), "OK");
    CHECK_EQ_STR(MHD_get_reason_phrase_for(413), "Content Too Large");
    CHECK_EQ_STR(MHD_get_reason_phrase_for(422), "Unprocessable Content");
    CHECK_EQ_STR(MHD_get_reason_phrase_for(306), "Switch Proxy");
    CHECK_EQ_STR(MHD_get_reason_phrase_for(509), "Bandwidth Limit Exceeded");
    CHECK_EQ_STR(MHD_get_reason_phrase_for(418), "Unknown");
    CHECK_EQ_STR(MHD_get_reason_phrase_for(299), "Unknown");
    CHECK_EQ_STR(MHD_get_reason_phrase_for(600), "Unknown");
    CHECK_EQ_SIZE(MHD_get_reason_phrase_len_for(418), 0);
    /* Every code: the length matches the text, unknown codes have length 0. */
    for (unsigned int c = 0; c < 1000; c++) {
        const char *p = MHD_get_reason_phrase_for(c);
        size_t n = MHD_get_reason_phrase_len_for(c);
        CHECK(p != NULL);
        if (n)
            CHECK_EQ_SIZE(strlen(p), n);
        else
            CHECK_EQ_STR(p, "Unknown");
    }
    static const unsigned int named[] = {
        MHD_HTTP_CONTINUE, MHD_HTTP_PROCESSING, MHD_HTTP_IM_USED, MHD_HTTP_PERMANENT_REDIRECT,
        MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, MHD_HTTP_RETRY_WITH,
        MHD_HTTP_BLOCKED_BY_WINDOWS_PARENTAL_CONTROLS, MHD_HTTP_NETWORK_AUTHENTICATION_REQUIRED,
        MHD_HTTP_NOT_EXTENDED, MHD_HTTP_TOO_EARLY, MHD_HTTP_EARLY_HINTS};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        CHECK_MSG(MHD_get_reason_phrase_len_for(named[i]) > 0, "code %u", named[i]);

    char v[32];
    snprintf(v, sizeof(v), "%X.%X.%X", (MHD_VERSION >> 24) & 0xff, (MHD_VERSION >> 16) & 0xff,
             (MHD_VERSION >> 8) & 0xff);
    CHECK_EQ_STR(MHD_get_version(), v);
    CHECK_EQ_INT(MHD_get_version_bin(), MHD_VERSION);
    CHECK_EQ_INT(MHD_VERSION, 0x01000100);
    return check_done();
}
