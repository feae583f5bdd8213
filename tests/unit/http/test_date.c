/* The IMF-fixdate writer (src/http/date.c). */
#include <locale.h>
#include <time.h>

#include "http_test.h"

static void check_date(time_t t, const char *want)
{
    char *out = ht_place("..............................", 30);
    mhd_http_date(t, out);
    CHECK_EQ_STR(out, want);
    CHECK_EQ_SIZE(strlen(out), 29);
}

/* Compares with strftime in the C locale over many instants. */
static void sweep(void)
{
    char want[64];
    unsigned long long x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        time_t t = (time_t)(x % 253402300800ull);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        char *out = ht_place("..............................", 30);
        mhd_http_date(t, out);
        if (strcmp(out, want) != 0)
            CHECK_MSG(0, "%lld: got %s want %s", (long long)t, out, want);
    }
    CHECK(1);
}

int main(void)
{
    check_date(0, "Thu, 01 Jan 1970 00:00:00 GMT");
    check_date(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
    check_date(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
    check_date(2147483647, "Tue, 19 Jan 2038 03:14:07 GMT");
    check_date(4102444800, "Fri, 01 Jan 2100 00:00:00 GMT");
    check_date(253402300799, "Fri, 31 Dec 9999 23:59:59 GMT");
    check_date(1700000000, "Tue, 14 Nov 2023 22:13:20 GMT");
    sweep();
    /* The names stay English whatever the locale says. */
    if (setlocale(LC_ALL, "de_DE.UTF-8") != NULL || setlocale(LC_ALL, "fr_FR.UTF-8") != NULL)
        check_date(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
    setlocale(LC_ALL, "C");
    return check_done();
}
