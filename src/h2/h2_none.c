/* HTTP/2 in a build without nghttp2 (make HTTP2=no): nothing is available;
 * MHD_HTTP2=1 is logged and HTTP/1.1 served. The nghttp2 files are left out
 * of such a build and this one takes their place. */
#include <stdlib.h>
#include <string.h>

#include "h2/h2.h"

bool mhd_h2_available(void)
{
    return false;
}

bool mhd_h2_wanted(void)
{
    const char *e = getenv("MHD_HTTP2");
    return e != NULL && strcmp(e, "1") == 0;
}

void mhd_h2_release_cache(void)
{
}

static bool no_start(struct MHD_Connection *c)
{
    (void)c;
    return false;
}

const struct mhd_protocol mhd_h2_protocol = {
    .name = "h2 (not built)",
    .start = no_start,
};
