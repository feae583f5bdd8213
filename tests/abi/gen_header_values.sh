#!/bin/bash
# Regenerates tests/abi/test_header_values.c from the ABI facts.
#
# Sources:
#   - the specification's mhd-abi.md: section 5 (callback typedefs), 6 (struct
#     and union layouts) and 7 (every enum with its values), read mechanically;
#   - the specification's mhd-api.md: every function prototype in its code
#     blocks (checked as function types);
#   - the tables in emit_data() below: the section 8 macros (hand-copied
#     from the spec's prose table) and the HTTP status codes, field names and
#     method names of the 1.0.1 API (names and values only).
#
# Usage: tests/abi/gen_header_values.sh [SPEC_DIR]   (default: ../shared/spec)
# Run from anywhere; writes tests/abi/test_header_values.c and formats it with
# clang-format when available.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
spec=${1:-$root/../shared/spec}
out=$here/test_header_values.c
if [ ! -f "$spec/mhd-abi.md" ] || [ ! -f "$spec/mhd-api.md" ]; then
    echo "gen_header_values: no mhd-abi.md / mhd-api.md in $spec" >&2
    exit 1
fi

# Tab-separated tables. [macros]: kind, expression, expected value (section 8
# of mhd-abi.md; "int" rows are compared as integers, "str" as strings, "type"
# rows check the type of the expression). [status], [headers], [methods]: the
# name suffix and value of every MHD_HTTP_*, MHD_HTTP_HEADER_* and
# MHD_HTTP_METHOD_* macro of API 1.0.1 (status: 65 codes, then the 8
# deprecated aliases).
emit_data() {
    cat <<'DATA'
[macros]
int	MHD_VERSION	0x01000100
int	MHD_YES	1
int	MHD_NO	0
int	MHD_CONTENT_READER_END_OF_STREAM	-1
int	MHD_CONTENT_READER_END_WITH_ERROR	-2
type	MHD_CONTENT_READER_END_OF_STREAM	ssize_t
type	MHD_CONTENT_READER_END_WITH_ERROR	ssize_t
type	MHD_SIZE_UNKNOWN	uint64_t
int	MHD_INVALID_SOCKET	-1
int	MHD_POSIX_SOCKETS	1
int	MHD_SOCKET_DEFINED	1
int	MHD_ICY_FLAG	0x80000000
type	MHD_ICY_FLAG	uint32_t
type	(MHD_UNSIGNED_LONG_LONG)0	unsigned long long
type	(MHD_LONG_LONG)0	long long
str	MHD_UNSIGNED_LONG_LONG_PRINTF	%llu
str	MHD_LONG_LONG_PRINTF	ll
int	MHD_MD5_DIGEST_SIZE	16
int	MHD_SHA256_DIGEST_SIZE	32
int	MHD_SHA512_256_DIGEST_SIZE	32
int	MHD_DIGEST_AUTH_ALGO3_NON_SESSION	(1 << 6)
int	MHD_DIGEST_AUTH_ALGO3_SESSION	(1 << 7)
int	MHD_DIGEST_AUTH_INVALID_NC_VALUE	0
int	MHD_INVALID_NONCE	-1
str	MHD_HTTP_VERSION_1_0	HTTP/1.0
str	MHD_HTTP_VERSION_1_1	HTTP/1.1
str	MHD_HTTP_POST_ENCODING_FORM_URLENCODED	application/x-www-form-urlencoded
str	MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA	multipart/form-data
[status]
CONTINUE	100
SWITCHING_PROTOCOLS	101
PROCESSING	102
EARLY_HINTS	103
OK	200
CREATED	201
ACCEPTED	202
NON_AUTHORITATIVE_INFORMATION	203
NO_CONTENT	204
RESET_CONTENT	205
PARTIAL_CONTENT	206
MULTI_STATUS	207
ALREADY_REPORTED	208
IM_USED	226
MULTIPLE_CHOICES	300
MOVED_PERMANENTLY	301
FOUND	302
SEE_OTHER	303
NOT_MODIFIED	304
USE_PROXY	305
SWITCH_PROXY	306
TEMPORARY_REDIRECT	307
PERMANENT_REDIRECT	308
BAD_REQUEST	400
UNAUTHORIZED	401
PAYMENT_REQUIRED	402
FORBIDDEN	403
NOT_FOUND	404
METHOD_NOT_ALLOWED	405
NOT_ACCEPTABLE	406
PROXY_AUTHENTICATION_REQUIRED	407
REQUEST_TIMEOUT	408
CONFLICT	409
GONE	410
LENGTH_REQUIRED	411
PRECONDITION_FAILED	412
CONTENT_TOO_LARGE	413
URI_TOO_LONG	414
UNSUPPORTED_MEDIA_TYPE	415
RANGE_NOT_SATISFIABLE	416
EXPECTATION_FAILED	417
MISDIRECTED_REQUEST	421
UNPROCESSABLE_CONTENT	422
LOCKED	423
FAILED_DEPENDENCY	424
TOO_EARLY	425
UPGRADE_REQUIRED	426
PRECONDITION_REQUIRED	428
TOO_MANY_REQUESTS	429
REQUEST_HEADER_FIELDS_TOO_LARGE	431
UNAVAILABLE_FOR_LEGAL_REASONS	451
INTERNAL_SERVER_ERROR	500
NOT_IMPLEMENTED	501
BAD_GATEWAY	502
SERVICE_UNAVAILABLE	503
GATEWAY_TIMEOUT	504
HTTP_VERSION_NOT_SUPPORTED	505
VARIANT_ALSO_NEGOTIATES	506
INSUFFICIENT_STORAGE	507
LOOP_DETECTED	508
NOT_EXTENDED	510
NETWORK_AUTHENTICATION_REQUIRED	511
RETRY_WITH	449
BLOCKED_BY_WINDOWS_PARENTAL_CONTROLS	450
BANDWIDTH_LIMIT_EXCEEDED	509
METHOD_NOT_ACCEPTABLE	406
REQUEST_ENTITY_TOO_LARGE	413
PAYLOAD_TOO_LARGE	413
REQUEST_URI_TOO_LONG	414
REQUESTED_RANGE_NOT_SATISFIABLE	416
UNPROCESSABLE_ENTITY	422
UNORDERED_COLLECTION	425
NO_RESPONSE	444
[headers]
ACCEPT	Accept
ACCEPT_CHARSET	Accept-Charset
ACCEPT_ENCODING	Accept-Encoding
ACCEPT_LANGUAGE	Accept-Language
ACCEPT_RANGES	Accept-Ranges
AGE	Age
ALLOW	Allow
AUTHENTICATION_INFO	Authentication-Info
AUTHORIZATION	Authorization
CACHE_CONTROL	Cache-Control
CLOSE	Close
CONNECTION	Connection
CONTENT_ENCODING	Content-Encoding
CONTENT_LANGUAGE	Content-Language
CONTENT_LENGTH	Content-Length
CONTENT_LOCATION	Content-Location
CONTENT_RANGE	Content-Range
CONTENT_TYPE	Content-Type
DATE	Date
ETAG	ETag
EXPECT	Expect
EXPIRES	Expires
FROM	From
HOST	Host
IF_MATCH	If-Match
IF_MODIFIED_SINCE	If-Modified-Since
IF_NONE_MATCH	If-None-Match
IF_RANGE	If-Range
IF_UNMODIFIED_SINCE	If-Unmodified-Since
LAST_MODIFIED	Last-Modified
LOCATION	Location
MAX_FORWARDS	Max-Forwards
MIME_VERSION	MIME-Version
PRAGMA	Pragma
PROXY_AUTHENTICATE	Proxy-Authenticate
PROXY_AUTHENTICATION_INFO	Proxy-Authentication-Info
PROXY_AUTHORIZATION	Proxy-Authorization
RANGE	Range
REFERER	Referer
RETRY_AFTER	Retry-After
SERVER	Server
TE	TE
TRAILER	Trailer
TRANSFER_ENCODING	Transfer-Encoding
UPGRADE	Upgrade
USER_AGENT	User-Agent
VARY	Vary
VIA	Via
WWW_AUTHENTICATE	WWW-Authenticate
ASTERISK	*
A_IM	A-IM
ACCEPT_ADDITIONS	Accept-Additions
ACCEPT_CH	Accept-CH
ACCEPT_DATETIME	Accept-Datetime
ACCEPT_FEATURES	Accept-Features
ACCEPT_PATCH	Accept-Patch
ACCEPT_POST	Accept-Post
ACCEPT_SIGNATURE	Accept-Signature
ACCESS_CONTROL_ALLOW_CREDENTIALS	Access-Control-Allow-Credentials
ACCESS_CONTROL_ALLOW_HEADERS	Access-Control-Allow-Headers
ACCESS_CONTROL_ALLOW_METHODS	Access-Control-Allow-Methods
ACCESS_CONTROL_ALLOW_ORIGIN	Access-Control-Allow-Origin
ACCESS_CONTROL_EXPOSE_HEADERS	Access-Control-Expose-Headers
ACCESS_CONTROL_MAX_AGE	Access-Control-Max-Age
ACCESS_CONTROL_REQUEST_HEADERS	Access-Control-Request-Headers
ACCESS_CONTROL_REQUEST_METHOD	Access-Control-Request-Method
ALPN	ALPN
ALT_SVC	Alt-Svc
ALT_USED	Alt-Used
ALTERNATES	Alternates
APPLY_TO_REDIRECT_REF	Apply-To-Redirect-Ref
AUTHENTICATION_CONTROL	Authentication-Control
CACHE_STATUS	Cache-Status
CAL_MANAGED_ID	Cal-Managed-ID
CALDAV_TIMEZONES	CalDAV-Timezones
CAPSULE_PROTOCOL	Capsule-Protocol
CDN_CACHE_CONTROL	CDN-Cache-Control
CDN_LOOP	CDN-Loop
CERT_NOT_AFTER	Cert-Not-After
CERT_NOT_BEFORE	Cert-Not-Before
CLEAR_SITE_DATA	Clear-Site-Data
CLIENT_CERT	Client-Cert
CLIENT_CERT_CHAIN	Client-Cert-Chain
CONTENT_DIGEST	Content-Digest
CONTENT_DISPOSITION	Content-Disposition
CONTENT_ID	Content-ID
CONTENT_SECURITY_POLICY	Content-Security-Policy
CONTENT_SECURITY_POLICY_REPORT_ONLY	Content-Security-Policy-Report-Only
COOKIE	Cookie
CROSS_ORIGIN_EMBEDDER_POLICY	Cross-Origin-Embedder-Policy
CROSS_ORIGIN_EMBEDDER_POLICY_REPORT_ONLY	Cross-Origin-Embedder-Policy-Report-Only
CROSS_ORIGIN_OPENER_POLICY	Cross-Origin-Opener-Policy
CROSS_ORIGIN_OPENER_POLICY_REPORT_ONLY	Cross-Origin-Opener-Policy-Report-Only
CROSS_ORIGIN_RESOURCE_POLICY	Cross-Origin-Resource-Policy
DASL	DASL
DAV	DAV
DELTA_BASE	Delta-Base
DEPTH	Depth
DESTINATION	Destination
DIFFERENTIAL_ID	Differential-ID
DPOP	DPoP
DPOP_NONCE	DPoP-Nonce
EARLY_DATA	Early-Data
EXPECT_CT	Expect-CT
FORWARDED	Forwarded
HOBAREG	Hobareg
IF	If
IF_SCHEDULE_TAG_MATCH	If-Schedule-Tag-Match
IM	IM
INCLUDE_REFERRED_TOKEN_BINDING_ID	Include-Referred-Token-Binding-ID
KEEP_ALIVE	Keep-Alive
LABEL	Label
LAST_EVENT_ID	Last-Event-ID
LINK	Link
LOCK_TOKEN	Lock-Token
MEMENTO_DATETIME	Memento-Datetime
METER	Meter
NEGOTIATE	Negotiate
NEL	NEL
ODATA_ENTITYID	OData-EntityId
ODATA_ISOLATION	OData-Isolation
ODATA_MAXVERSION	OData-MaxVersion
ODATA_VERSION	OData-Version
OPTIONAL_WWW_AUTHENTICATE	Optional-WWW-Authenticate
ORDERING_TYPE	Ordering-Type
ORIGIN	Origin
ORIGIN_AGENT_CLUSTER	Origin-Agent-Cluster
OSCORE	OSCORE
OSLC_CORE_VERSION	OSLC-Core-Version
OVERWRITE	Overwrite
PING_FROM	Ping-From
PING_TO	Ping-To
POSITION	Position
PREFER	Prefer
PREFERENCE_APPLIED	Preference-Applied
PRIORITY	Priority
PROXY_STATUS	Proxy-Status
PUBLIC_KEY_PINS	Public-Key-Pins
PUBLIC_KEY_PINS_REPORT_ONLY	Public-Key-Pins-Report-Only
REDIRECT_REF	Redirect-Ref
REFRESH	Refresh
REPLAY_NONCE	Replay-Nonce
REPR_DIGEST	Repr-Digest
SCHEDULE_REPLY	Schedule-Reply
SCHEDULE_TAG	Schedule-Tag
SEC_PURPOSE	Sec-Purpose
SEC_TOKEN_BINDING	Sec-Token-Binding
SEC_WEBSOCKET_ACCEPT	Sec-WebSocket-Accept
SEC_WEBSOCKET_EXTENSIONS	Sec-WebSocket-Extensions
SEC_WEBSOCKET_KEY	Sec-WebSocket-Key
SEC_WEBSOCKET_PROTOCOL	Sec-WebSocket-Protocol
SEC_WEBSOCKET_VERSION	Sec-WebSocket-Version
SERVER_TIMING	Server-Timing
SET_COOKIE	Set-Cookie
SIGNATURE	Signature
SIGNATURE_INPUT	Signature-Input
SLUG	SLUG
SOAPACTION	SoapAction
STATUS_URI	Status-URI
STRICT_TRANSPORT_SECURITY	Strict-Transport-Security
SUNSET	Sunset
SURROGATE_CAPABILITY	Surrogate-Capability
SURROGATE_CONTROL	Surrogate-Control
TCN	TCN
TIMEOUT	Timeout
TOPIC	Topic
TRACEPARENT	Traceparent
TRACESTATE	Tracestate
TTL	TTL
URGENCY	Urgency
VARIANT_VARY	Variant-Vary
WANT_CONTENT_DIGEST	Want-Content-Digest
WANT_REPR_DIGEST	Want-Repr-Digest
X_CONTENT_TYPE_OPTIONS	X-Content-Type-Options
X_FRAME_OPTIONS	X-Frame-Options
AMP_CACHE_TRANSFORM	AMP-Cache-Transform
CONFIGURATION_CONTEXT	Configuration-Context
EDIINT_FEATURES	EDIINT-Features
ISOLATION	Isolation
PERMISSIONS_POLICY	Permissions-Policy
REPEATABILITY_CLIENT_ID	Repeatability-Client-ID
REPEATABILITY_FIRST_SENT	Repeatability-First-Sent
REPEATABILITY_REQUEST_ID	Repeatability-Request-ID
REPEATABILITY_RESULT	Repeatability-Result
REPORTING_ENDPOINTS	Reporting-Endpoints
SEC_GPC	Sec-GPC
TIMING_ALLOW_ORIGIN	Timing-Allow-Origin
C_PEP_INFO	C-PEP-Info
PROTOCOL_INFO	Protocol-Info
PROTOCOL_QUERY	Protocol-Query
ACCESS_CONTROL	Access-Control
C_EXT	C-Ext
C_MAN	C-Man
C_OPT	C-Opt
C_PEP	C-PEP
CONTENT_BASE	Content-Base
CONTENT_MD5	Content-MD5
CONTENT_SCRIPT_TYPE	Content-Script-Type
CONTENT_STYLE_TYPE	Content-Style-Type
CONTENT_VERSION	Content-Version
COOKIE2	Cookie2
DEFAULT_STYLE	Default-Style
DERIVED_FROM	Derived-From
DIGEST	Digest
EXT	Ext
GETPROFILE	GetProfile
HTTP2_SETTINGS	HTTP2-Settings
MAN	Man
METHOD_CHECK	Method-Check
METHOD_CHECK_EXPIRES	Method-Check-Expires
OPT	Opt
P3P	P3P
PEP	PEP
PEP_INFO	Pep-Info
PICS_LABEL	PICS-Label
PROFILEOBJECT	ProfileObject
PROTOCOL	Protocol
PROTOCOL_REQUEST	Protocol-Request
PROXY_FEATURES	Proxy-Features
PROXY_INSTRUCTION	Proxy-Instruction
PUBLIC	Public
REFERER_ROOT	Referer-Root
SAFE	Safe
SECURITY_SCHEME	Security-Scheme
SET_COOKIE2	Set-Cookie2
SETPROFILE	SetProfile
URI	URI
WANT_DIGEST	Want-Digest
WARNING	Warning
COMPLIANCE	Compliance
CONTENT_TRANSFER_ENCODING	Content-Transfer-Encoding
COST	Cost
MESSAGE_ID	Message-ID
NON_COMPLIANCE	Non-Compliance
OPTIONAL	Optional
RESOLUTION_HINT	Resolution-Hint
RESOLVER_LOCATION	Resolver-Location
SUBOK	SubOK
SUBST	Subst
TITLE	Title
UA_COLOR	UA-Color
UA_MEDIA	UA-Media
UA_PIXELS	UA-Pixels
UA_RESOLUTION	UA-Resolution
UA_WINDOWPIXELS	UA-Windowpixels
VERSION	Version
X_DEVICE_ACCEPT	X-Device-Accept
X_DEVICE_ACCEPT_CHARSET	X-Device-Accept-Charset
X_DEVICE_ACCEPT_ENCODING	X-Device-Accept-Encoding
X_DEVICE_ACCEPT_LANGUAGE	X-Device-Accept-Language
X_DEVICE_USER_AGENT	X-Device-User-Agent
[methods]
GET	GET
HEAD	HEAD
POST	POST
PUT	PUT
DELETE	DELETE
CONNECT	CONNECT
OPTIONS	OPTIONS
TRACE	TRACE
ACL	ACL
BASELINE_CONTROL	BASELINE-CONTROL
BIND	BIND
CHECKIN	CHECKIN
CHECKOUT	CHECKOUT
COPY	COPY
LABEL	LABEL
LINK	LINK
LOCK	LOCK
MERGE	MERGE
MKACTIVITY	MKACTIVITY
MKCALENDAR	MKCALENDAR
MKCOL	MKCOL
MKREDIRECTREF	MKREDIRECTREF
MKWORKSPACE	MKWORKSPACE
MOVE	MOVE
ORDERPATCH	ORDERPATCH
PATCH	PATCH
PRI	PRI
PROPFIND	PROPFIND
PROPPATCH	PROPPATCH
REBIND	REBIND
REPORT	REPORT
SEARCH	SEARCH
UNBIND	UNBIND
UNCHECKOUT	UNCHECKOUT
UNLINK	UNLINK
UNLOCK	UNLOCK
UPDATE	UPDATE
UPDATEREDIRECTREF	UPDATEREDIRECTREF
VERSION_CONTROL	VERSION-CONTROL
ASTERISK	*
DATA
}

data=$(mktemp)
trap 'rm -f "$data"' EXIT
emit_data >"$data"

python3 - "$spec/mhd-abi.md" "$spec/mhd-api.md" "$data" >"$out" <<'PY'
import re, sys

abi = open(sys.argv[1]).read()
api = open(sys.argv[2]).read()
data = open(sys.argv[3]).read()


def section(text, num):
    m = re.search(r'^## %d\..*?$(.*?)(?=^## \d+\.|\Z)' % num, text, re.S | re.M)
    if not m:
        sys.exit("section %d not found" % num)
    return m.group(1)


def code_blocks(text):
    return re.findall(r'```c\n(.*?)```', text, re.S)


def strip_comments(s):
    return re.sub(r'/\*.*?\*/', '', s, flags=re.S)


def table(name):
    rows, cur = [], None
    for line in data.splitlines():
        if line.startswith('['):
            cur = line.strip('[]')
            continue
        if cur == name and line.strip():
            rows.append(line.split('\t'))
    if not rows:
        sys.exit("no data table " + name)
    return rows


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


static, runtime = [], []


def int_check(expr, want):
    static.append('_Static_assert((%s) == (%s), %s);' % (expr, want, cstr('%s == %s' % (expr, want))))
    runtime.append('CHECK_INT(%s, %s);' % (expr, want))


def str_check(expr, want):
    static.append('_Static_assert(sizeof(%s) == sizeof(%s), %s);'
                  % (expr, cstr(want), cstr('length of ' + expr)))
    runtime.append('CHECK_STR(%s, %s);' % (expr, cstr(want)))


def type_check(expr, typename, what):
    static.append('_Static_assert(_Generic((%s), %s: 1, default: 0), %s);'
                  % (expr, typename, cstr('type of ' + what)))
    runtime.append('CHECK_TRUE(_Generic((%s), %s: 1, default: 0), %s);'
                   % (expr, typename, cstr('type of ' + what)))


# --- section 7: enumerations -------------------------------------------------
enum_count = value_count = 0
sec7 = section(abi, 7)
for m in re.finditer(r'^#### `enum (\w+)`.*?\n(.*?)(?=^####|\Z)', sec7, re.S | re.M):
    ename, body = m.group(1), m.group(2)
    enum_count += 1
    static.append('_Static_assert(sizeof(enum %s) == 4, "enum %s is int-sized");' % (ename, ename))
    runtime.append('/* enum %s */' % ename)
    for row in re.finditer(r'^\| `(\w+)` \| *(-?\d+) *\|', body, re.M):
        int_check(row.group(1), row.group(2))
        value_count += 1

# --- section 6: struct / union layouts ---------------------------------------
layout_count = 0
for block in code_blocks(section(abi, 6)):
    kind = name = None
    for line in block.splitlines():
        m = re.match(r'\s*(struct|union) (\w+) \{\s*(/\*(.*?)\*/)?', line)
        if m:
            kind, name = m.group(1), m.group(2)
            note = m.group(4) or ''
            s = re.search(r'sizeof (\d+)', note)
            a = re.search(r'align (\d+)', note)
            if s:
                int_check('sizeof(%s %s)' % (kind, name), s.group(1))
            if a:
                int_check('_Alignof(%s %s)' % (kind, name), a.group(1))
            layout_count += 1
            continue
        if line.strip().startswith('}'):
            kind = name = None
            continue
        if not kind or ';' not in line:
            continue
        decl, _, rest = line.partition(';')
        mm = re.match(r'\s*(.*?)\s*\b(\w+)$', strip_comments(decl))
        if not mm:
            continue
        mtype, member = mm.group(1), mm.group(2)
        off = re.search(r'off (\d+)', rest)
        where = '%s %s' % (kind, name)
        if kind == 'union':
            int_check('offsetof(%s, %s)' % (where, member), 0)
        elif off:
            int_check('offsetof(%s, %s)' % (where, member), off.group(1))
        type_check('((%s *)0)->%s' % (where, member), mtype, '%s.%s' % (name, member))

# --- section 5: typedefs -------------------------------------------------------
typedef_count = 0
for block in code_blocks(section(abi, 5)):
    for decl in strip_comments(block).split(';'):
        decl = ' '.join(decl.split())
        if not decl.startswith('typedef'):
            continue
        fp = re.match(r'typedef (.*?)\(\*(\w+)\)\s*(\(.*\))$', decl)
        if fp:
            ret, name, params = fp.groups()
            type_check('(%s)0' % name, '%s(*)%s' % (ret, params), name)
        else:
            plain = re.match(r'typedef (.*) (\w+)$', decl)
            type_check('(%s)0' % plain.group(2), plain.group(1), plain.group(2))
        typedef_count += 1

# --- mhd-api.md: function prototypes -------------------------------------------
func_count = 0
for block in code_blocks(api):
    for decl in strip_comments(block).split(';'):
        decl = ' '.join(decl.split())
        if not decl or decl.startswith('typedef'):
            continue
        m = re.match(r'(.*?)\b(MHD_\w+) \((.*)\)$', decl)
        if not m:
            sys.exit("cannot parse prototype: " + decl)
        ret, name, params = m.groups()
        type_check('&%s' % name, '%s(*)(%s)' % (ret, params), name + '()')
        func_count += 1

# --- data tables: section 8 macros, status codes, field and method names -------
macro_count = 0
for row in table('macros'):
    what = row[0]
    if what == 'int':
        int_check(row[1], row[2])
    elif what == 'str':
        str_check(row[1], row[2])
    elif what == 'type':
        type_check(row[1], row[2], row[1])
    macro_count += 1
status = table('status')
for name, value in status:
    int_check('MHD_HTTP_' + name, value)
headers = table('headers')
for name, value in headers:
    str_check('MHD_HTTP_HEADER_' + name, value)
methods = table('methods')
for name, value in methods:
    str_check('MHD_HTTP_METHOD_' + name, value)

print('''/* Compile-time and run-time check of the public header's ABI facts.
 *
 * GENERATED by tests/abi/gen_header_values.sh from the specification
 * (mhd-abi.md sections 5-8, mhd-api.md prototypes) and the 1.0.1 name/value
 * tables in that script. Do not edit by hand; rerun the generator.
 *
 * Contents: %d enums with %d values, %d struct/union layouts, %d typedefs,
 * %d function types, %d other macros, %d status codes, %d field names,
 * %d method names. Every integer fact is a _Static_assert (a mismatch stops
 * the build) and is counted again at run time together with the string
 * comparisons; the last output line is "RESULT <passed> <failed>". */
#define MHD_NO_DEPRECATION 1 /* deprecated aliases are checked without warnings */
#include "microhttpd.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static unsigned passed;
static unsigned failed;

static void check_int(const char *what, long long got, long long want)
{
    if (got == want) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %%s: got %%lld, want %%lld\\n", what, got, want);
}

static void check_str(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) == 0) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %%s: got \\"%%s\\", want \\"%%s\\"\\n", what, got, want);
}

#define CHECK_INT(expr, want) check_int(#expr, (long long)(expr), (long long)(want))
#define CHECK_STR(expr, want) check_str(#expr, (expr), (want))
#define CHECK_TRUE(cond, what) check_int(what, (cond) ? 1 : 0, 1)
''' % (enum_count, value_count, layout_count, typedef_count, func_count, macro_count,
       len(status), len(headers), len(methods)))
print('\n'.join(static))
print()
print('int main(void)\n{')
for line in runtime:
    print('    ' + line)
print('    /* MHD_SIZE_UNKNOWN is 64 bits wide: compare unsigned. */')
print('    if ((uint64_t)MHD_SIZE_UNKNOWN == UINT64_MAX) {\n        passed++;\n    } else {')
print('        failed++;\n        printf("FAIL MHD_SIZE_UNKNOWN\\n");\n    }')
print('    printf("RESULT %u %u\\n", passed, failed);')
print('    return failed == 0 ? 0 : 1;\n}')
PY

if command -v clang-format >/dev/null 2>&1 && [ -f "$root/.clang-format" ]; then
    (cd "$root" && clang-format -i "$out")
fi
echo "wrote $out"
