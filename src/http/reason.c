/* Reason phrases for status codes (IANA registry wording, plus the few
 * non-registered codes the API names). */
#include <stddef.h>

#include "microhttpd.h"

struct phrase {
    unsigned short code;
    unsigned char len;
    const char *text;
};

#define P(c, t) {c, sizeof(t) - 1, t}

/* Sorted by code, for the binary search below. */
static const struct phrase phrases[] = {
    P(100, "Continue"),
    P(101, "Switching Protocols"),
    P(102, "Processing"),
    P(103, "Early Hints"),
    P(200, "OK"),
    P(201, "Created"),
    P(202, "Accepted"),
    P(203, "Non-Authoritative Information"),
    P(204, "No Content"),
    P(205, "Reset Content"),
    P(206, "Partial Content"),
    P(207, "Multi-Status"),
    P(208, "Already Reported"),
    P(226, "IM Used"),
    P(300, "Multiple Choices"),
    P(301, "Moved Permanently"),
    P(302, "Found"),
    P(303, "See Other"),
    P(304, "Not Modified"),
    P(305, "Use Proxy"),
    P(306, "Switch Proxy"),
    P(307, "Temporary Redirect"),
    P(308, "Permanent Redirect"),
    P(400, "Bad Request"),
    P(401, "Unauthorized"),
    P(402, "Payment Required"),
    P(403, "Forbidden"),
    P(404, "Not Found"),
    P(405, "Method Not Allowed"),
    P(406, "Not Acceptable"),
    P(407, "Proxy Authentication Required"),
    P(408, "Request Timeout"),
    P(409, "Conflict"),
    P(410, "Gone"),
    P(411, "Length Required"),
    P(412, "Precondition Failed"),
    P(413, "Content Too Large"),
    P(414, "URI Too Long"),
    P(415, "Unsupported Media Type"),
    P(416, "Range Not Satisfiable"),
    P(417, "Expectation Failed"),
    P(421, "Misdirected Request"),
    P(422, "Unprocessable Content"),
    P(423, "Locked"),
    P(424, "Failed Dependency"),
    P(425, "Too Early"),
    P(426, "Upgrade Required"),
    P(428, "Precondition Required"),
    P(429, "Too Many Requests"),
    P(431, "Request Header Fields Too Large"),
    P(449, "Reply With"),
    P(450, "Blocked by Windows Parental Controls"),
    P(451, "Unavailable For Legal Reasons"),
    P(500, "Internal Server Error"),
    P(501, "Not Implemented"),
    P(502, "Bad Gateway"),
    P(503, "Service Unavailable"),
    P(504, "Gateway Timeout"),
    P(505, "HTTP Version Not Supported"),
    P(506, "Variant Also Negotiates"),
    P(507, "Insufficient Storage"),
    P(508, "Loop Detected"),
    P(509, "Bandwidth Limit Exceeded"),
    P(510, "Not Extended"),
    P(511, "Network Authentication Required"),
};

static const struct phrase *find(unsigned int code)
{
    size_t lo = 0, hi = sizeof(phrases) / sizeof(phrases[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (phrases[mid].code == code)
            return &phrases[mid];
        if (phrases[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

_MHD_EXTERN const char *MHD_get_reason_phrase_for(unsigned int code)
{
    const struct phrase *p = find(code);
    return p ? p->text : "Unknown";
}

_MHD_EXTERN size_t MHD_get_reason_phrase_len_for(unsigned int code)
{
    const struct phrase *p = find(code);
    return p ? p->len : 0;
}
