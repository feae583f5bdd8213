/* Basic authentication end to end, in every thread mode: libcurl with
 * correct and wrong credentials (pre-authenticating and after a 401), the
 * 1.0 and the legacy API side by side, and hand-written Authorization
 * headers for the edge cases of the decoding (no colon, empty parts, NUL
 * bytes, bad Base64, other schemes, several Authorization headers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

#define USER "admin"
#define PASS "secret"

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(text), text);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static void hex_append(char *out, size_t cap, const char *s, size_t len)
{
    size_t n = strlen(out);
    for (size_t i = 0; i < len && n + 3 < cap; i++, n += 2)
        snprintf(out + n, 3, "%02x", (unsigned char)s[i]);
}

/* What both APIs make of the request, bytes in hex so NULs show:
 * "v3=<user hex>:<pass hex or ->|legacy=<user hex or ->:<pass state>". */
static enum MHD_Result echo_reply(struct MHD_Connection *c)
{
    char out[1024] = "v3=";
    struct MHD_BasicAuthInfo *info = MHD_basic_auth_get_username_password3(c);
    if (info == NULL) {
        strcat(out, "null");
    } else {
        hex_append(out, sizeof(out), info->username, info->username_len);
        /* The strings are 0-terminated besides having lengths. */
        if (info->username[info->username_len] != '\0' ||
            (info->password != NULL && info->password[info->password_len] != '\0'))
            strcat(out, "!unterminated");
        strcat(out, ":");
        if (info->password == NULL) {
            strcat(out, info->password_len == 0 ? "-" : "-len!");
        } else {
            strcat(out, "p");
            hex_append(out, sizeof(out), info->password, info->password_len);
        }
        MHD_free(info);
    }
    static char sentinel[] = "untouched";
    char *pass = sentinel;
    char *user = MHD_basic_auth_get_username_password(c, &pass);
    strcat(out, "|legacy=");
    if (user == NULL)
        strcat(out, "-");
    else
        hex_append(out, sizeof(out), user, strlen(user));
    strcat(out, ":");
    if (pass == sentinel) {
        strcat(out, "untouched");
    } else if (pass == NULL) {
        strcat(out, "null");
    } else {
        strcat(out, "p");
        hex_append(out, sizeof(out), pass, strlen(pass));
        MHD_free(pass);
    }
    MHD_free(user);
    /* Only the password pointer may be omitted. */
    user = MHD_basic_auth_get_username_password(c, NULL);
    if (user != NULL)
        strcat(out, "|nopass-ok");
    MHD_free(user);
    return reply(c, MHD_HTTP_OK, out);
}

/* Sizes only, for credentials too large to echo. */
static enum MHD_Result len_reply(struct MHD_Connection *c)
{
    char out[128];
    struct MHD_BasicAuthInfo *info = MHD_basic_auth_get_username_password3(c);
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &pass);
    bool all_x = info != NULL && info->password != NULL;
    for (size_t i = 0; all_x && i < info->password_len; i++)
        all_x = info->password[i] == 'x';
    snprintf(out, sizeof(out), "ulen=%zu;plen=%zu;x=%d;legacy=%zu/%zu",
             info ? info->username_len : 0, info ? info->password_len : 0, (int)all_x,
             user ? strlen(user) : 0, pass ? strlen(pass) : 0);
    MHD_free(info);
    MHD_free(user);
    MHD_free(pass);
    return reply(c, MHD_HTTP_OK, out);
}

static bool v3_ok(struct MHD_Connection *c)
{
    struct MHD_BasicAuthInfo *info = MHD_basic_auth_get_username_password3(c);
    bool ok = info != NULL && info->username_len == strlen(USER) &&
              memcmp(info->username, USER, info->username_len) == 0 && info->password != NULL &&
              info->password_len == strlen(PASS) &&
              memcmp(info->password, PASS, info->password_len) == 0;
    MHD_free(info);
    return ok;
}

static bool legacy_ok(struct MHD_Connection *c)
{
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &pass);
    bool ok = user != NULL && pass != NULL && strcmp(user, USER) == 0 && strcmp(pass, PASS) == 0;
    MHD_free(user);
    MHD_free(pass);
    return ok;
}

static enum MHD_Result denied(struct MHD_Connection *c, bool legacy, bool utf8)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(6, "denied");
    enum MHD_Result q;
    if (legacy)
        q = MHD_queue_basic_auth_fail_response(c, "Legacy \"quoted\\\" realm", r);
    else
        q = MHD_queue_basic_auth_required_response3(c, "TestRealm", utf8, r);
    MHD_destroy_response(r);
    if (q != MHD_YES)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "challenge failed");
    return MHD_YES;
}

/* Bad arguments to the challenge functions: MHD_NO, nothing queued. */
static enum MHD_Result refusals_reply(struct MHD_Connection *c)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(1, "x");
    int refused = 0;
    refused += MHD_queue_basic_auth_required_response3(c, "TestRealm", 0, NULL) == MHD_NO;
    refused += MHD_queue_basic_auth_fail_response(c, "TestRealm", NULL) == MHD_NO;
    refused += MHD_queue_basic_auth_required_response3(c, NULL, 0, r) == MHD_NO;
    refused += MHD_queue_basic_auth_required_response3(c, "a\r\nX-Evil: 1", 0, r) == MHD_NO;
    refused += MHD_queue_basic_auth_fail_response(c, "a\nb", r) == MHD_NO;
    MHD_destroy_response(r);
    char out[32];
    snprintf(out, sizeof(out), "refused=%d", refused);
    return reply(c, MHD_HTTP_OK, out);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    static int marker;
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0)
        return MHD_NO;
    if (strcmp(url, "/echo") == 0)
        return echo_reply(c);
    if (strcmp(url, "/len") == 0)
        return len_reply(c);
    if (strcmp(url, "/refusals") == 0)
        return refusals_reply(c);
    if (strcmp(url, "/v3") == 0 || strcmp(url, "/v3utf8") == 0)
        return v3_ok(c) ? reply(c, MHD_HTTP_OK, "ok v3")
                        : denied(c, false, strcmp(url, "/v3utf8") == 0);
    if (strcmp(url, "/legacy") == 0)
        return legacy_ok(c) ? reply(c, MHD_HTTP_OK, "ok legacy") : denied(c, true, false);
    return reply(c, MHD_HTTP_NOT_FOUND, "no route");
}

/* ---------------------------------------------------------------------- */

/* GET `path` with libcurl; `auth` is a CURLAUTH_* mask (0: none). */
static void curl_get(CURL *curl, uint16_t port, const char *path, long auth, const char *userpwd,
                     struct tc_reply *out)
{
    struct tc_request rq = {0};
    rq.path = path;
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, auth ? auth : (long)CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, auth ? userpwd : NULL);
    tc_perform(curl, port, &rq, out);
}

static void expect(uint16_t port, const char *path, long auth, const char *userpwd, long status,
                   const char *body)
{
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    curl_get(curl, port, path, auth, userpwd, &r);
    CHECK_MSG(r.status == status, "%s %s: status %ld, want %ld", path, userpwd ? userpwd : "-",
              r.status, status);
    if (body != NULL)
        CHECK_MSG(strcmp(r.body, body) == 0, "%s %s: body \"%s\", want \"%s\"", path,
                  userpwd ? userpwd : "-", r.body, body);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void test_curl(uint16_t port)
{
    struct tc_reply r;
    char www[512];
    tc_get(port, "/v3", &r);
    CHECK_EQ_INT(r.status, 401);
    CHECK(tc_header(&r, "WWW-Authenticate", www, sizeof(www)));
    CHECK_EQ_STR(www, "Basic realm=\"TestRealm\"");
    CHECK_EQ_STR(r.body, "denied");
    tc_reply_free(&r);
    tc_get(port, "/v3utf8", &r);
    CHECK(tc_header(&r, "WWW-Authenticate", www, sizeof(www)));
    CHECK_EQ_STR(www, "Basic realm=\"TestRealm\", charset=\"UTF-8\"");
    tc_reply_free(&r);
    tc_get(port, "/legacy", &r);
    CHECK_EQ_INT(r.status, 401);
    CHECK(tc_header(&r, "WWW-Authenticate", www, sizeof(www)));
    CHECK_EQ_STR(www, "Basic realm=\"Legacy \\\"quoted\\\\\\\" realm\"");
    tc_reply_free(&r);

    /* CURLAUTH_BASIC sends the credentials with the first request;
     * CURLAUTH_ANY waits for the 401 and then picks Basic. */
    static const long modes[] = {CURLAUTH_BASIC, CURLAUTH_ANY};
    for (size_t i = 0; i < 2; i++) {
        expect(port, "/v3", modes[i], USER ":" PASS, 200, "ok v3");
        expect(port, "/v3utf8", modes[i], USER ":" PASS, 200, "ok v3");
        expect(port, "/v3", modes[i], USER ":wrong", 401, "denied");
        expect(port, "/v3", modes[i], "other:" PASS, 401, "denied");
        expect(port, "/legacy", modes[i], USER ":" PASS, 200, "ok legacy");
        expect(port, "/legacy", modes[i], USER ":wrong", 401, "denied");
    }
    /* A password with a colon and non-ASCII bytes; an empty password. */
    expect(port, "/echo", CURLAUTH_BASIC, "u\xc3\xa4:p:w", 200,
           "v3=75c3a4:p703a77|legacy=75c3a4:p703a77|nopass-ok");
    expect(port, "/echo", CURLAUTH_BASIC, "user:", 200,
           "v3=75736572:p|legacy=75736572:p|nopass-ok");
    /* One handle: 401, then the same connection again with credentials. */
    CURL *curl = curl_easy_init();
    curl_get(curl, port, "/v3", 0, NULL, &r);
    CHECK_EQ_INT(r.status, 401);
    tc_reply_free(&r);
    for (int i = 0; i < 3; i++) {
        curl_get(curl, port, "/v3", CURLAUTH_BASIC, USER ":" PASS, &r);
        CHECK_EQ_INT(r.status, 200);
        if (i > 0)
            CHECK_EQ_INT(r.connects, 0);
        tc_reply_free(&r);
    }
    curl_easy_cleanup(curl);
}

struct raw_case {
    const char *headers; /* extra header lines, each ending in CRLF */
    const char *want;    /* body of /echo */
};

static void test_raw(uint16_t port)
{
    static const struct raw_case cases[] = {
        {"", "v3=null|legacy=-:untouched"},
        {"Authorization: Basic YWRtaW46c2VjcmV0\r\n",
         "v3=61646d696e:p736563726574|legacy=61646d696e:p736563726574|nopass-ok"},
        /* Scheme in any case, extra spaces around the token. */
        {"Authorization: bAsIc    YWRtaW46c2VjcmV0  \r\n",
         "v3=61646d696e:p736563726574|legacy=61646d696e:p736563726574|nopass-ok"},
        /* No colon: a user name without password; legacy says NULL. */
        {"Authorization: Basic YWRtaW4=\r\n", "v3=61646d696e:-|legacy=-:null"},
        /* ":" alone: both parts empty. */
        {"Authorization: Basic Og==\r\n", "v3=:p|legacy=:p|nopass-ok"},
        /* NUL bytes inside the user name: "a\0b:p\0w". */
        {"Authorization: Basic YQBiOnAAdw==\r\n", "v3=610062:p700077|legacy=61:p70|nopass-ok"},
        /* Invalid Base64: missing padding, bad character, stray bits,
         * inner space, empty token, padding in the middle. */
        {"Authorization: Basic YWRtaW46c2VjcmV0=\r\n", "v3=null|legacy=-:untouched"},
        {"Authorization: Basic YWRta*46c2VjcmV0\r\n", "v3=null|legacy=-:untouched"},
        {"Authorization: Basic YWRtaW5=\r\n", "v3=null|legacy=-:untouched"},
        {"Authorization: Basic YWRt aW46c2VjcmV0\r\n", "v3=null|legacy=-:untouched"},
        {"Authorization: Basic\r\n", "v3=null|legacy=-:untouched"},
        {"Authorization: Basic Og==Og==\r\n", "v3=null|legacy=-:untouched"},
        /* Other schemes, or a scheme that only starts like Basic. */
        {"Authorization: Bearer YWRtaW46c2VjcmV0\r\n", "v3=null|legacy=-:untouched"},
        {"Authorization: BasicYWRtaW46c2VjcmV0\r\n", "v3=null|legacy=-:untouched"},
        {"Authorization: Digest username=\"admin\"\r\n", "v3=null|legacy=-:untouched"},
        /* The Basic one is found among several Authorization headers. */
        {"Authorization: Digest username=\"x\"\r\nAuthorization: Basic dTpw\r\n",
         "v3=75:p70|legacy=75:p70|nopass-ok"},
        {"authorization: Basic dTpw\r\n", "v3=75:p70|legacy=75:p70|nopass-ok"},
    };
    char req[1024], buf[4096];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(req, sizeof(req), "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n",
                 cases[i].headers);
        rs_exchange(port, req, strlen(req), buf, sizeof(buf), 5000);
        const char *body = strstr(buf, "\r\n\r\n");
        CHECK_MSG(rs_status(buf) == 200 && body != NULL && strcmp(body + 4, cases[i].want) == 0,
                  "case %zu: got \"%s\", want \"%s\"", i, body ? body + 4 : buf, cases[i].want);
    }
    /* A large but acceptable token, with a 40000-byte password. */
    size_t plen = 40000, raw_len = 6 + plen;
    char *raw = malloc(raw_len + 1);
    memcpy(raw, "admin:", 6);
    memset(raw + 6, 'x', plen);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t enc_len = (raw_len + 2) / 3 * 4;
    char *big = malloc(enc_len + 256);
    size_t o = (size_t)snprintf(big, 256,
                                "GET /len HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                "Authorization: Basic ");
    for (size_t i = 0; i < raw_len; i += 3) {
        unsigned int v = (unsigned char)raw[i] << 16;
        if (i + 1 < raw_len)
            v |= (unsigned char)raw[i + 1] << 8;
        if (i + 2 < raw_len)
            v |= (unsigned char)raw[i + 2];
        big[o++] = b64[v >> 18];
        big[o++] = b64[(v >> 12) & 63];
        big[o++] = i + 1 < raw_len ? b64[(v >> 6) & 63] : '=';
        big[o++] = i + 2 < raw_len ? b64[v & 63] : '=';
    }
    memcpy(big + o, "\r\n\r\n", 5);
    rs_exchange(port, big, strlen(big), buf, sizeof(buf), 5000);
    char *body = strstr(buf, "\r\n\r\n");
    CHECK_MSG(body != NULL && strcmp(body + 4, "ulen=5;plen=40000;x=1;legacy=5/40000") == 0,
              "big token: \"%s\"", buf);
    free(big);
    free(raw);

    static const char refusals[] = "GET /refusals HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    rs_exchange(port, refusals, strlen(refusals), buf, sizeof(buf), 5000);
    CHECK_MSG(strstr(buf, "\r\n\r\nrefused=5") != NULL, "refusals: \"%s\"", buf);
}

static void run_mode(enum ts_mode mode)
{
    struct test_server ts;
    const struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 512 * 1024, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        return;
    }
    unsigned long failed_before = check_failed_;
    test_curl(ts.port);
    test_raw(ts.port);
    ts_stop(&ts);
    printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed_before ? "ok" : "FAIL");
    fflush(stdout);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* No connection: failure values, never a crash. */
    static char untouched[] = "untouched";
    char *pass = untouched;
    CHECK(MHD_basic_auth_get_username_password3(NULL) == NULL);
    CHECK(MHD_basic_auth_get_username_password(NULL, &pass) == NULL);
    CHECK_EQ_STR(pass, "untouched");
    CHECK_EQ_INT(MHD_queue_basic_auth_required_response3(NULL, "r", 0, NULL), MHD_NO);
    CHECK_EQ_INT(MHD_queue_basic_auth_fail_response(NULL, "r", NULL), MHD_NO);
    TS_FOR_EACH_MODE(mode)
    run_mode(mode);
    curl_global_cleanup();
    return check_done();
}
