/* Public helpers of the HTTP layer. */
#include <string.h>

#include "http/http.h"
#include "microhttpd.h"

_MHD_EXTERN size_t MHD_http_unescape(char *val)
{
    if (val == NULL)
        return 0;
    return mhd_http_unescape(val, strlen(val), false);
}
