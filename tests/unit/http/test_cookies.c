/* The Cookie header (src/http/cookies.c) at every discipline level.
 *
 * Each row lists how many cookies each level reports (levels 2, 1, 0, -1,
 * -2, -3) and every cookie the most lenient level sees; a stricter level
 * must report a prefix of that list, since levels <= 1 keep the cookies
 * before an error and levels >= 2 keep all or none. */
#include "http_test.h"

struct cookie_case {
    int line;
    const char *in;
    const char *counts;
    const char *cookies; /* "name=value;" each */
};

#define K(in, counts, cookies)                                                                     \
    {                                                                                              \
        __LINE__, in, counts, cookies                                                              \
    }

static const struct cookie_case cases[] = {
    K("a=b", "111111", "a=b;"),
    K("sid=31d4d96e407aad42; lang=en-US", "222222", "sid=31d4d96e407aad42;lang=en-US;"),
    K("a=b; a=c", "222222", "a=b;a=c;"),
    K("  a=b; c=d \t", "222222", "a=b;c=d;"),
    /* The separator: exactly "; " from level 1 up. */
    K("a=b;c=d", "012222", "a=b;c=d;"),
    K("a=b;  c=d", "012222", "a=b;c=d;"),
    K("a=b;\tc=d", "012222", "a=b;c=d;"),
    K("a=b ; c=d", "002222", "a=b;c=d;"),
    K("a=b\t;c=d", "002222", "a=b;c=d;"),
    K("a=b;", "011111", "a=b;"),
    K("a=b; c=d;", "022222", "a=b;c=d;"),
    K("; a=b", "001111", "a=b;"),
    K(";a=b", "001111", "a=b;"),
    K("a=b;;c=d", "012222", "a=b;c=d;"),
    K("a=b; ; c=d", "012222", "a=b;c=d;"),
    K(";;;a=b;;;", "001111", "a=b;"),
    K(";", "000000", ""),
    K("; ;", "000000", ""),
    /* Values. */
    K("a=", "111111", "a=;"),
    K("a=; b=", "222222", "a=;b=;"),
    K("a=b=c", "111111", "a=b=c;"),
    K("a=\"b\"", "111111", "a=b;"),
    K("a=\"\"", "111111", "a=;"),
    K("a=\"b\"; c=\"d\"", "222222", "a=b;c=d;"),
    K("a=!#$%&'()*+-./:<=>?@[]^_`{|}~", "111111", "a=!#$%&'()*+-./:<=>?@[]^_`{|}~;"),
    K("a=\"b c\"", "000011", "a=b c;"),
    K("a=\"b\tc\"", "000011", "a=b\tc;"),
    K("x=1; y=\"two words\"; z=3", "011133", "x=1;y=two words;z=3;"),
    K("a=b;c=\"d e\";f=g", "011133", "a=b;c=d e;f=g;"),
    K("a=\"b\" ; c=d", "002222", "a=b;c=d;"),
    K("a=b c", "000000", ""),
    K("a=b\tc", "000000", ""),
    K("a=b  c", "000000", ""),
    K("a=,", "000000", ""),
    K("a=b,c", "000000", ""),
    K("a=\"\\ \"", "000000", ""),
    K("a=\"b", "000000", ""),
    K("a=\"b\"c", "000000", ""),
    K("a=\xC3\xA9", "000000", ""),
    K("a=b; c=\x01", "011111", "a=b;"),
    /* Names, and whitespace around '=' (level -3 only). */
    K("a = b", "000001", "a=b;"),
    K("a\t=\tb", "000001", "a=b;"),
    K("a =b; c= d", "000002", "a=b;c=d;"),
    K("a=b; c = d", "011112", "a=b;c=d;"),
    K("a@b=c", "000000", ""),
    K("a=b; c@d=e; f=g", "011111", "a=b;"),
    K("=", "000000", ""),
    K("=b", "000000", ""),
    K("====", "000000", ""),
    K("a", "000000", ""),
    K("a;b=c", "000000", ""),
    K("a=b; c", "011111", "a=b;"),
    K(";=", "000000", ""),
    K("= ;", "000000", ""),
    K("", "000000", ""),
    K("   ", "000000", ""),
    K("\t", "000000", ""),
};

struct jar {
    char text[1024];
    size_t len;
    int n;
    int fail_at;
};

static bool record_cookie(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    struct jar *j = ctx;
    CHECK(name[name_len] == '\0' && value[value_len] == '\0');
    j->n++;
    if (j->fail_at != 0 && j->n == j->fail_at)
        return false;
    j->len += (size_t)snprintf(j->text + j->len, sizeof(j->text) - j->len, "%.*s=%.*s;",
                               (int)name_len, name, (int)value_len, value);
    return true;
}

/* The first n "name=value;" entries of a list. */
static size_t prefix_len(const char *list, int n)
{
    const char *p = list;
    for (int i = 0; i < n && *p; i++)
        p = strchr(p, ';') + 1;
    return (size_t)(p - list);
}

static void run_case(const struct cookie_case *c)
{
    size_t len = strlen(c->in);
    for (int l = 0; l < 6; l++) {
        int level = ht_levels[l];
        int want = c->counts[l] - '0';
        struct jar j;
        memset(&j, 0, sizeof(j));
        char tmp[256];
        memcpy(tmp, c->in, len + 1);
        /* The header ends at the last accessible byte but for its 0. */
        char *s = ht_place(tmp, len + 1);
        int n = mhd_http_parse_cookies(s, len, level, record_cookie, &j);
        CHECK_MSG(n == want, "line %d level %d: got %d cookies, want %d", c->line, level, n, want);
        size_t plen = prefix_len(c->cookies, want);
        CHECK_MSG(j.len == plen && memcmp(j.text, c->cookies, plen) == 0,
                  "line %d level %d: got \"%s\"", c->line, level, j.text);
        /* Levels 2 and up leave a header they reject untouched. */
        if (level >= 2 && n == 0)
            CHECK_MSG(memcmp(s, c->in, len) == 0, "line %d: header changed", c->line);
    }
}

static void test_callback_failure(void)
{
    char tmp[] = "a=1; b=2; c=3";
    for (int level = -3; level <= 3; level++) {
        for (int fail = 1; fail <= 4; fail++) {
            struct jar j;
            memset(&j, 0, sizeof(j));
            j.fail_at = fail;
            char *s = ht_place(tmp, sizeof(tmp));
            int n = mhd_http_parse_cookies(s, sizeof(tmp) - 1, level, record_cookie, &j);
            CHECK_EQ_INT(n, fail <= 3 ? -1 : 3);
            CHECK_EQ_INT(j.n, fail <= 3 ? fail : 3);
        }
    }
}

/* Level 3 behaves as level 2. */
static void test_level3(void)
{
    char tmp[] = "a=b;c=d";
    struct jar j;
    memset(&j, 0, sizeof(j));
    CHECK_EQ_INT(mhd_http_parse_cookies(tmp, 7, 3, record_cookie, &j), 0);
    char ok[] = "a=b; c=d";
    CHECK_EQ_INT(mhd_http_parse_cookies(ok, 8, 3, record_cookie, &j), 2);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    test_callback_failure();
    test_level3();
    return check_done();
}
