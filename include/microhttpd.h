/*
 * microhttpd.h - the public API of this library.
 *
 * This library is a from-scratch HTTP/1.x server library that is a drop-in,
 * source- and binary-compatible replacement for GNU libmicrohttpd at API
 * level 1.0.1 (shared object libmicrohttpd.so.12). Every name, type, numeric
 * value and structure layout below is part of that compatibility contract and
 * must not change. All comments are our own short summaries; the full
 * behaviour of every function is in its man page (man libmicrohttpd for the
 * overview, man MHD_start_daemon and so on; doc/man/man3 in the source tree)
 * and the manual (doc/manual). tests/scripts/test_doc_man.sh checks that
 * every function, option, flag and enum value below appears in a page.
 *
 * Conventions used in the comments:
 *  - "MHD_NO on failure" means the function returns MHD_YES on success.
 *  - Strings passed in are copied unless a comment says "kept by reference".
 *  - Memory returned to the application must be released with MHD_free()
 *    only where a comment says so; everything else stays owned by the library.
 */

#ifndef MHD_MICROHTTPD_H
#define MHD_MICROHTTPD_H

/* API version in packed BCD, 0xMMmmpp00: here 1.0.1. */
#define MHD_VERSION 0x01000100

/*
 * The header needs va_list, size_t, ssize_t, intptr_t, off_t, the fixed-width
 * integer types, struct sockaddr, socklen_t and fd_set. Define MHD_PLATFORM_H
 * before including this file to provide them yourself instead.
 */
#ifndef MHD_PLATFORM_H
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/select.h>
#endif /* ! MHD_PLATFORM_H */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Linkage, enum attributes and deprecation helpers                        */
/* ---------------------------------------------------------------------- */

/*
 * Prefix of every function declaration. Applications get plain "extern";
 * the library build overrides it to export the symbols.
 */
#ifndef _MHD_EXTERN
#define _MHD_EXTERN extern
#endif

/* Clang-only hints: "closed" enums and bit-flag enums. No effect on ABI. */
#if defined(__has_attribute)
#if __has_attribute(flag_enum)
#define _MHD_FLAGS_ENUM __attribute__((flag_enum))
#endif
#if __has_attribute(enum_extensibility)
#define _MHD_FIXED_ENUM __attribute__((enum_extensibility(closed)))
#endif
#endif /* __has_attribute */
#ifndef _MHD_FLAGS_ENUM
#define _MHD_FLAGS_ENUM
#endif
#ifndef _MHD_FIXED_ENUM
#define _MHD_FIXED_ENUM
#endif
#define _MHD_FIXED_FLAGS_ENUM _MHD_FIXED_ENUM _MHD_FLAGS_ENUM

/*
 * Deprecation warnings.
 *   _MHD_DEPR_MACRO(msg)    warning emitted at file scope (a pragma)
 *   _MHD_DEPR_IN_MACRO(msg) warning emitted where a deprecated macro is used
 *   _MHD_DEPR_FUNC(msg)     attribute placed before a deprecated function
 * Define MHD_NO_DEPRECATION before including this header to silence all of
 * them. The _MHD_NO_DEPR_IN_MACRO / _MHD_NO_DEPR_FUNC markers tell whether
 * the corresponding mechanism is unavailable or switched off.
 */
#ifdef MHD_NO_DEPRECATION
#define _MHD_DEPR_MACRO(msg)
#define _MHD_NO_DEPR_IN_MACRO 1
#define _MHD_DEPR_IN_MACRO(msg)
#define _MHD_NO_DEPR_FUNC 1
#define _MHD_DEPR_FUNC(msg)
#endif /* MHD_NO_DEPRECATION */

#if !defined(_MHD_DEPR_MACRO) && (defined(__GNUC__) || defined(__clang__))
#define _MHD_GCC_PRAG(x) _Pragma(#x)
#define _MHD_DEPR_MACRO(msg) _MHD_GCC_PRAG(GCC warning msg)
#define _MHD_DEPR_IN_MACRO(msg) _MHD_DEPR_MACRO(msg)
#endif
#ifndef _MHD_DEPR_MACRO
#define _MHD_DEPR_MACRO(msg)
#endif
#ifndef _MHD_DEPR_IN_MACRO
#define _MHD_NO_DEPR_IN_MACRO 1
#define _MHD_DEPR_IN_MACRO(msg)
#endif

#if !defined(_MHD_DEPR_FUNC) && (defined(__GNUC__) || defined(__clang__))
#define _MHD_DEPR_FUNC(msg) __attribute__((deprecated(msg)))
#endif
#ifndef _MHD_DEPR_FUNC
#define _MHD_NO_DEPR_FUNC 1
#define _MHD_DEPR_FUNC(msg)
#endif

/* ---------------------------------------------------------------------- */
/* Sockets                                                                 */
/* ---------------------------------------------------------------------- */

/* A socket is a plain POSIX file descriptor. Skipped if the includer has
 * already provided MHD_socket (and defined MHD_SOCKET_DEFINED). */
#ifndef MHD_SOCKET_DEFINED
#define MHD_POSIX_SOCKETS 1
typedef int MHD_socket;
#define MHD_INVALID_SOCKET (-1)
#define MHD_SOCKET_DEFINED 1
#endif /* ! MHD_SOCKET_DEFINED */

/* ---------------------------------------------------------------------- */
/* Basic results and constants                                             */
/* ---------------------------------------------------------------------- */

/* Yes/no result of most API calls. */
enum MHD_Result {
    /* Failure, refusal, or "stop iterating". */
    MHD_NO = 0,
    /* Success, acceptance, or "continue". */
    MHD_YES = 1
} _MHD_FIXED_ENUM;

/* Body size for responses whose length is not known in advance. */
#ifdef UINT64_MAX
#define MHD_SIZE_UNKNOWN UINT64_MAX
#else
#define MHD_SIZE_UNKNOWN ((uint64_t)-1LL)
#endif

/* Values a MHD_ContentReaderCallback returns instead of a byte count:
 * the body is complete, or producing it failed (the connection is closed). */
#define MHD_CONTENT_READER_END_OF_STREAM ((ssize_t)-1)
#define MHD_CONTENT_READER_END_WITH_ERROR ((ssize_t)-2)

/* Integer type used by MHD_get_timeout() and its printf conversion.
 * Both may be overridden together before inclusion (deprecated practice). */
#ifndef MHD_LONG_LONG
#define MHD_LONG_LONG long long
#define MHD_UNSIGNED_LONG_LONG unsigned long long
#else
_MHD_DEPR_MACRO("Overriding MHD_LONG_LONG is deprecated; use MHD_UNSIGNED_LONG_LONG")
#endif
#ifndef MHD_LONG_LONG_PRINTF
#define MHD_LONG_LONG_PRINTF "ll"
#define MHD_UNSIGNED_LONG_LONG_PRINTF "%llu"
#else
_MHD_DEPR_MACRO("Overriding MHD_LONG_LONG_PRINTF is deprecated; use MHD_UNSIGNED_LONG_LONG_PRINTF")
#endif

/* Legacy digest checks return this when the client's nonce is stale or
 * unknown (in addition to MHD_YES / MHD_NO). */
#define MHD_INVALID_NONCE (-1)

/* ---------------------------------------------------------------------- */
/* HTTP status codes                                                       */
/* ---------------------------------------------------------------------- */

/* Registered status codes (IANA registry). */
/* Informational (1xx). */
#define MHD_HTTP_CONTINUE 100
#define MHD_HTTP_SWITCHING_PROTOCOLS 101
#define MHD_HTTP_PROCESSING 102
#define MHD_HTTP_EARLY_HINTS 103
/* Success (2xx). */
#define MHD_HTTP_OK 200
#define MHD_HTTP_CREATED 201
#define MHD_HTTP_ACCEPTED 202
#define MHD_HTTP_NON_AUTHORITATIVE_INFORMATION 203
#define MHD_HTTP_NO_CONTENT 204
#define MHD_HTTP_RESET_CONTENT 205
#define MHD_HTTP_PARTIAL_CONTENT 206
#define MHD_HTTP_MULTI_STATUS 207
#define MHD_HTTP_ALREADY_REPORTED 208
#define MHD_HTTP_IM_USED 226
/* Redirection (3xx). */
#define MHD_HTTP_MULTIPLE_CHOICES 300
#define MHD_HTTP_MOVED_PERMANENTLY 301
#define MHD_HTTP_FOUND 302
#define MHD_HTTP_SEE_OTHER 303
#define MHD_HTTP_NOT_MODIFIED 304
#define MHD_HTTP_USE_PROXY 305
#define MHD_HTTP_SWITCH_PROXY 306
#define MHD_HTTP_TEMPORARY_REDIRECT 307
#define MHD_HTTP_PERMANENT_REDIRECT 308
/* Client error (4xx). */
#define MHD_HTTP_BAD_REQUEST 400
#define MHD_HTTP_UNAUTHORIZED 401
#define MHD_HTTP_PAYMENT_REQUIRED 402
#define MHD_HTTP_FORBIDDEN 403
#define MHD_HTTP_NOT_FOUND 404
#define MHD_HTTP_METHOD_NOT_ALLOWED 405
#define MHD_HTTP_NOT_ACCEPTABLE 406
#define MHD_HTTP_PROXY_AUTHENTICATION_REQUIRED 407
#define MHD_HTTP_REQUEST_TIMEOUT 408
#define MHD_HTTP_CONFLICT 409
#define MHD_HTTP_GONE 410
#define MHD_HTTP_LENGTH_REQUIRED 411
#define MHD_HTTP_PRECONDITION_FAILED 412
#define MHD_HTTP_CONTENT_TOO_LARGE 413
#define MHD_HTTP_URI_TOO_LONG 414
#define MHD_HTTP_UNSUPPORTED_MEDIA_TYPE 415
#define MHD_HTTP_RANGE_NOT_SATISFIABLE 416
#define MHD_HTTP_EXPECTATION_FAILED 417
#define MHD_HTTP_MISDIRECTED_REQUEST 421
#define MHD_HTTP_UNPROCESSABLE_CONTENT 422
#define MHD_HTTP_LOCKED 423
#define MHD_HTTP_FAILED_DEPENDENCY 424
#define MHD_HTTP_TOO_EARLY 425
#define MHD_HTTP_UPGRADE_REQUIRED 426
#define MHD_HTTP_PRECONDITION_REQUIRED 428
#define MHD_HTTP_TOO_MANY_REQUESTS 429
#define MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE 431
#define MHD_HTTP_UNAVAILABLE_FOR_LEGAL_REASONS 451
/* Server error (5xx). */
#define MHD_HTTP_INTERNAL_SERVER_ERROR 500
#define MHD_HTTP_NOT_IMPLEMENTED 501
#define MHD_HTTP_BAD_GATEWAY 502
#define MHD_HTTP_SERVICE_UNAVAILABLE 503
#define MHD_HTTP_GATEWAY_TIMEOUT 504
#define MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED 505
#define MHD_HTTP_VARIANT_ALSO_NEGOTIATES 506
#define MHD_HTTP_INSUFFICIENT_STORAGE 507
#define MHD_HTTP_LOOP_DETECTED 508
#define MHD_HTTP_NOT_EXTENDED 510
#define MHD_HTTP_NETWORK_AUTHENTICATION_REQUIRED 511

/* Unregistered codes used by some servers (Microsoft 449 and 450, Apache 509). */
#define MHD_HTTP_RETRY_WITH 449
#define MHD_HTTP_BLOCKED_BY_WINDOWS_PARENTAL_CONTROLS 450
#define MHD_HTTP_BANDWIDTH_LIMIT_EXCEEDED 509

/* Old names kept for source compatibility; using them warns (see
 * MHD_NO_DEPRECATION). Each warning text must stay one string literal. */
/* clang-format off */
#define MHD_HTTP_METHOD_NOT_ACCEPTABLE _MHD_DEPR_IN_MACRO("MHD_HTTP_METHOD_NOT_ACCEPTABLE is deprecated; use MHD_HTTP_NOT_ACCEPTABLE") 406
#define MHD_HTTP_REQUEST_ENTITY_TOO_LARGE _MHD_DEPR_IN_MACRO("MHD_HTTP_REQUEST_ENTITY_TOO_LARGE is deprecated; use MHD_HTTP_CONTENT_TOO_LARGE") 413
#define MHD_HTTP_PAYLOAD_TOO_LARGE _MHD_DEPR_IN_MACRO("MHD_HTTP_PAYLOAD_TOO_LARGE is deprecated; use MHD_HTTP_CONTENT_TOO_LARGE") 413
#define MHD_HTTP_REQUEST_URI_TOO_LONG _MHD_DEPR_IN_MACRO("MHD_HTTP_REQUEST_URI_TOO_LONG is deprecated; use MHD_HTTP_URI_TOO_LONG") 414
#define MHD_HTTP_REQUESTED_RANGE_NOT_SATISFIABLE _MHD_DEPR_IN_MACRO("MHD_HTTP_REQUESTED_RANGE_NOT_SATISFIABLE is deprecated; use MHD_HTTP_RANGE_NOT_SATISFIABLE") 416
#define MHD_HTTP_UNPROCESSABLE_ENTITY _MHD_DEPR_IN_MACRO("MHD_HTTP_UNPROCESSABLE_ENTITY is deprecated; use MHD_HTTP_UNPROCESSABLE_CONTENT") 422
#define MHD_HTTP_UNORDERED_COLLECTION _MHD_DEPR_IN_MACRO("MHD_HTTP_UNORDERED_COLLECTION is deprecated: it is no longer registered") 425
#define MHD_HTTP_NO_RESPONSE _MHD_DEPR_IN_MACRO("MHD_HTTP_NO_RESPONSE is deprecated: 444 is an nginx logging code, not a status") 444
/* clang-format on */

/* OR this into the status code given to MHD_queue_response() to start the
 * reply with a SHOUTcast "ICY" status line instead of "HTTP/1.x". */
#define MHD_ICY_FLAG ((uint32_t)(((uint32_t)1) << 31))

/* ---------------------------------------------------------------------- */
/* HTTP field (header) names                                               */
/* ---------------------------------------------------------------------- */

/* Field names from the IANA HTTP Field Name Registry (2023-10-02 snapshot). */
/* Fields defined by the core HTTP specifications (RFC 9110, 9111, 9112). */
#define MHD_HTTP_HEADER_ACCEPT "Accept"
#define MHD_HTTP_HEADER_ACCEPT_CHARSET "Accept-Charset"
#define MHD_HTTP_HEADER_ACCEPT_ENCODING "Accept-Encoding"
#define MHD_HTTP_HEADER_ACCEPT_LANGUAGE "Accept-Language"
#define MHD_HTTP_HEADER_ACCEPT_RANGES "Accept-Ranges"
#define MHD_HTTP_HEADER_AGE "Age"
#define MHD_HTTP_HEADER_ALLOW "Allow"
#define MHD_HTTP_HEADER_AUTHENTICATION_INFO "Authentication-Info"
#define MHD_HTTP_HEADER_AUTHORIZATION "Authorization"
#define MHD_HTTP_HEADER_CACHE_CONTROL "Cache-Control"
#define MHD_HTTP_HEADER_CLOSE "Close"
#define MHD_HTTP_HEADER_CONNECTION "Connection"
#define MHD_HTTP_HEADER_CONTENT_ENCODING "Content-Encoding"
#define MHD_HTTP_HEADER_CONTENT_LANGUAGE "Content-Language"
#define MHD_HTTP_HEADER_CONTENT_LENGTH "Content-Length"
#define MHD_HTTP_HEADER_CONTENT_LOCATION "Content-Location"
#define MHD_HTTP_HEADER_CONTENT_RANGE "Content-Range"
#define MHD_HTTP_HEADER_CONTENT_TYPE "Content-Type"
#define MHD_HTTP_HEADER_DATE "Date"
#define MHD_HTTP_HEADER_ETAG "ETag"
#define MHD_HTTP_HEADER_EXPECT "Expect"
#define MHD_HTTP_HEADER_EXPIRES "Expires"
#define MHD_HTTP_HEADER_FROM "From"
#define MHD_HTTP_HEADER_HOST "Host"
#define MHD_HTTP_HEADER_IF_MATCH "If-Match"
#define MHD_HTTP_HEADER_IF_MODIFIED_SINCE "If-Modified-Since"
#define MHD_HTTP_HEADER_IF_NONE_MATCH "If-None-Match"
#define MHD_HTTP_HEADER_IF_RANGE "If-Range"
#define MHD_HTTP_HEADER_IF_UNMODIFIED_SINCE "If-Unmodified-Since"
#define MHD_HTTP_HEADER_LAST_MODIFIED "Last-Modified"
#define MHD_HTTP_HEADER_LOCATION "Location"
#define MHD_HTTP_HEADER_MAX_FORWARDS "Max-Forwards"
#define MHD_HTTP_HEADER_MIME_VERSION "MIME-Version"
#define MHD_HTTP_HEADER_PRAGMA "Pragma"
#define MHD_HTTP_HEADER_PROXY_AUTHENTICATE "Proxy-Authenticate"
#define MHD_HTTP_HEADER_PROXY_AUTHENTICATION_INFO "Proxy-Authentication-Info"
#define MHD_HTTP_HEADER_PROXY_AUTHORIZATION "Proxy-Authorization"
#define MHD_HTTP_HEADER_RANGE "Range"
#define MHD_HTTP_HEADER_REFERER "Referer"
#define MHD_HTTP_HEADER_RETRY_AFTER "Retry-After"
#define MHD_HTTP_HEADER_SERVER "Server"
#define MHD_HTTP_HEADER_TE "TE"
#define MHD_HTTP_HEADER_TRAILER "Trailer"
#define MHD_HTTP_HEADER_TRANSFER_ENCODING "Transfer-Encoding"
#define MHD_HTTP_HEADER_UPGRADE "Upgrade"
#define MHD_HTTP_HEADER_USER_AGENT "User-Agent"
#define MHD_HTTP_HEADER_VARY "Vary"
#define MHD_HTTP_HEADER_VIA "Via"
#define MHD_HTTP_HEADER_WWW_AUTHENTICATE "WWW-Authenticate"
#define MHD_HTTP_HEADER_ASTERISK "*"

/* Other fields with permanent registration. */
#define MHD_HTTP_HEADER_A_IM "A-IM"
#define MHD_HTTP_HEADER_ACCEPT_ADDITIONS "Accept-Additions"
#define MHD_HTTP_HEADER_ACCEPT_CH "Accept-CH"
#define MHD_HTTP_HEADER_ACCEPT_DATETIME "Accept-Datetime"
#define MHD_HTTP_HEADER_ACCEPT_FEATURES "Accept-Features"
#define MHD_HTTP_HEADER_ACCEPT_PATCH "Accept-Patch"
#define MHD_HTTP_HEADER_ACCEPT_POST "Accept-Post"
#define MHD_HTTP_HEADER_ACCEPT_SIGNATURE "Accept-Signature"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_CREDENTIALS "Access-Control-Allow-Credentials"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_HEADERS "Access-Control-Allow-Headers"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_METHODS "Access-Control-Allow-Methods"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN "Access-Control-Allow-Origin"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_EXPOSE_HEADERS "Access-Control-Expose-Headers"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_MAX_AGE "Access-Control-Max-Age"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_REQUEST_HEADERS "Access-Control-Request-Headers"
#define MHD_HTTP_HEADER_ACCESS_CONTROL_REQUEST_METHOD "Access-Control-Request-Method"
#define MHD_HTTP_HEADER_ALPN "ALPN"
#define MHD_HTTP_HEADER_ALT_SVC "Alt-Svc"
#define MHD_HTTP_HEADER_ALT_USED "Alt-Used"
#define MHD_HTTP_HEADER_ALTERNATES "Alternates"
#define MHD_HTTP_HEADER_APPLY_TO_REDIRECT_REF "Apply-To-Redirect-Ref"
#define MHD_HTTP_HEADER_AUTHENTICATION_CONTROL "Authentication-Control"
#define MHD_HTTP_HEADER_CACHE_STATUS "Cache-Status"
#define MHD_HTTP_HEADER_CAL_MANAGED_ID "Cal-Managed-ID"
#define MHD_HTTP_HEADER_CALDAV_TIMEZONES "CalDAV-Timezones"
#define MHD_HTTP_HEADER_CAPSULE_PROTOCOL "Capsule-Protocol"
#define MHD_HTTP_HEADER_CDN_CACHE_CONTROL "CDN-Cache-Control"
#define MHD_HTTP_HEADER_CDN_LOOP "CDN-Loop"
#define MHD_HTTP_HEADER_CERT_NOT_AFTER "Cert-Not-After"
#define MHD_HTTP_HEADER_CERT_NOT_BEFORE "Cert-Not-Before"
#define MHD_HTTP_HEADER_CLEAR_SITE_DATA "Clear-Site-Data"
#define MHD_HTTP_HEADER_CLIENT_CERT "Client-Cert"
#define MHD_HTTP_HEADER_CLIENT_CERT_CHAIN "Client-Cert-Chain"
#define MHD_HTTP_HEADER_CONTENT_DIGEST "Content-Digest"
#define MHD_HTTP_HEADER_CONTENT_DISPOSITION "Content-Disposition"
#define MHD_HTTP_HEADER_CONTENT_ID "Content-ID"
#define MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY "Content-Security-Policy"
#define MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY_REPORT_ONLY "Content-Security-Policy-Report-Only"
#define MHD_HTTP_HEADER_COOKIE "Cookie"
#define MHD_HTTP_HEADER_CROSS_ORIGIN_EMBEDDER_POLICY "Cross-Origin-Embedder-Policy"
#define MHD_HTTP_HEADER_CROSS_ORIGIN_EMBEDDER_POLICY_REPORT_ONLY                                   \
    "Cross-Origin-Embedder-Policy-Report-Only"
#define MHD_HTTP_HEADER_CROSS_ORIGIN_OPENER_POLICY "Cross-Origin-Opener-Policy"
#define MHD_HTTP_HEADER_CROSS_ORIGIN_OPENER_POLICY_REPORT_ONLY                                     \
    "Cross-Origin-Opener-Policy-Report-Only"
#define MHD_HTTP_HEADER_CROSS_ORIGIN_RESOURCE_POLICY "Cross-Origin-Resource-Policy"
#define MHD_HTTP_HEADER_DASL "DASL"
#define MHD_HTTP_HEADER_DAV "DAV"
#define MHD_HTTP_HEADER_DELTA_BASE "Delta-Base"
#define MHD_HTTP_HEADER_DEPTH "Depth"
#define MHD_HTTP_HEADER_DESTINATION "Destination"
#define MHD_HTTP_HEADER_DIFFERENTIAL_ID "Differential-ID"
#define MHD_HTTP_HEADER_DPOP "DPoP"
#define MHD_HTTP_HEADER_DPOP_NONCE "DPoP-Nonce"
#define MHD_HTTP_HEADER_EARLY_DATA "Early-Data"
#define MHD_HTTP_HEADER_EXPECT_CT "Expect-CT"
#define MHD_HTTP_HEADER_FORWARDED "Forwarded"
#define MHD_HTTP_HEADER_HOBAREG "Hobareg"
#define MHD_HTTP_HEADER_IF "If"
#define MHD_HTTP_HEADER_IF_SCHEDULE_TAG_MATCH "If-Schedule-Tag-Match"
#define MHD_HTTP_HEADER_IM "IM"
#define MHD_HTTP_HEADER_INCLUDE_REFERRED_TOKEN_BINDING_ID "Include-Referred-Token-Binding-ID"
#define MHD_HTTP_HEADER_KEEP_ALIVE "Keep-Alive"
#define MHD_HTTP_HEADER_LABEL "Label"
#define MHD_HTTP_HEADER_LAST_EVENT_ID "Last-Event-ID"
#define MHD_HTTP_HEADER_LINK "Link"
#define MHD_HTTP_HEADER_LOCK_TOKEN "Lock-Token"
#define MHD_HTTP_HEADER_MEMENTO_DATETIME "Memento-Datetime"
#define MHD_HTTP_HEADER_METER "Meter"
#define MHD_HTTP_HEADER_NEGOTIATE "Negotiate"
#define MHD_HTTP_HEADER_NEL "NEL"
#define MHD_HTTP_HEADER_ODATA_ENTITYID "OData-EntityId"
#define MHD_HTTP_HEADER_ODATA_ISOLATION "OData-Isolation"
#define MHD_HTTP_HEADER_ODATA_MAXVERSION "OData-MaxVersion"
#define MHD_HTTP_HEADER_ODATA_VERSION "OData-Version"
#define MHD_HTTP_HEADER_OPTIONAL_WWW_AUTHENTICATE "Optional-WWW-Authenticate"
#define MHD_HTTP_HEADER_ORDERING_TYPE "Ordering-Type"
#define MHD_HTTP_HEADER_ORIGIN "Origin"
#define MHD_HTTP_HEADER_ORIGIN_AGENT_CLUSTER "Origin-Agent-Cluster"
#define MHD_HTTP_HEADER_OSCORE "OSCORE"
#define MHD_HTTP_HEADER_OSLC_CORE_VERSION "OSLC-Core-Version"
#define MHD_HTTP_HEADER_OVERWRITE "Overwrite"
#define MHD_HTTP_HEADER_PING_FROM "Ping-From"
#define MHD_HTTP_HEADER_PING_TO "Ping-To"
#define MHD_HTTP_HEADER_POSITION "Position"
#define MHD_HTTP_HEADER_PREFER "Prefer"
#define MHD_HTTP_HEADER_PREFERENCE_APPLIED "Preference-Applied"
#define MHD_HTTP_HEADER_PRIORITY "Priority"
#define MHD_HTTP_HEADER_PROXY_STATUS "Proxy-Status"
#define MHD_HTTP_HEADER_PUBLIC_KEY_PINS "Public-Key-Pins"
#define MHD_HTTP_HEADER_PUBLIC_KEY_PINS_REPORT_ONLY "Public-Key-Pins-Report-Only"
#define MHD_HTTP_HEADER_REDIRECT_REF "Redirect-Ref"
#define MHD_HTTP_HEADER_REFRESH "Refresh"
#define MHD_HTTP_HEADER_REPLAY_NONCE "Replay-Nonce"
#define MHD_HTTP_HEADER_REPR_DIGEST "Repr-Digest"
#define MHD_HTTP_HEADER_SCHEDULE_REPLY "Schedule-Reply"
#define MHD_HTTP_HEADER_SCHEDULE_TAG "Schedule-Tag"
#define MHD_HTTP_HEADER_SEC_PURPOSE "Sec-Purpose"
#define MHD_HTTP_HEADER_SEC_TOKEN_BINDING "Sec-Token-Binding"
#define MHD_HTTP_HEADER_SEC_WEBSOCKET_ACCEPT "Sec-WebSocket-Accept"
#define MHD_HTTP_HEADER_SEC_WEBSOCKET_EXTENSIONS "Sec-WebSocket-Extensions"
#define MHD_HTTP_HEADER_SEC_WEBSOCKET_KEY "Sec-WebSocket-Key"
#define MHD_HTTP_HEADER_SEC_WEBSOCKET_PROTOCOL "Sec-WebSocket-Protocol"
#define MHD_HTTP_HEADER_SEC_WEBSOCKET_VERSION "Sec-WebSocket-Version"
#define MHD_HTTP_HEADER_SERVER_TIMING "Server-Timing"
#define MHD_HTTP_HEADER_SET_COOKIE "Set-Cookie"
#define MHD_HTTP_HEADER_SIGNATURE "Signature"
#define MHD_HTTP_HEADER_SIGNATURE_INPUT "Signature-Input"
#define MHD_HTTP_HEADER_SLUG "SLUG"
#define MHD_HTTP_HEADER_SOAPACTION "SoapAction"
#define MHD_HTTP_HEADER_STATUS_URI "Status-URI"
#define MHD_HTTP_HEADER_STRICT_TRANSPORT_SECURITY "Strict-Transport-Security"
#define MHD_HTTP_HEADER_SUNSET "Sunset"
#define MHD_HTTP_HEADER_SURROGATE_CAPABILITY "Surrogate-Capability"
#define MHD_HTTP_HEADER_SURROGATE_CONTROL "Surrogate-Control"
#define MHD_HTTP_HEADER_TCN "TCN"
#define MHD_HTTP_HEADER_TIMEOUT "Timeout"
#define MHD_HTTP_HEADER_TOPIC "Topic"
#define MHD_HTTP_HEADER_TRACEPARENT "Traceparent"
#define MHD_HTTP_HEADER_TRACESTATE "Tracestate"
#define MHD_HTTP_HEADER_TTL "TTL"
#define MHD_HTTP_HEADER_URGENCY "Urgency"
#define MHD_HTTP_HEADER_VARIANT_VARY "Variant-Vary"
#define MHD_HTTP_HEADER_WANT_CONTENT_DIGEST "Want-Content-Digest"
#define MHD_HTTP_HEADER_WANT_REPR_DIGEST "Want-Repr-Digest"
#define MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS "X-Content-Type-Options"
#define MHD_HTTP_HEADER_X_FRAME_OPTIONS "X-Frame-Options"

/* Fields with provisional registration. */
#define MHD_HTTP_HEADER_AMP_CACHE_TRANSFORM "AMP-Cache-Transform"
#define MHD_HTTP_HEADER_CONFIGURATION_CONTEXT "Configuration-Context"
#define MHD_HTTP_HEADER_EDIINT_FEATURES "EDIINT-Features"
#define MHD_HTTP_HEADER_ISOLATION "Isolation"
#define MHD_HTTP_HEADER_PERMISSIONS_POLICY "Permissions-Policy"
#define MHD_HTTP_HEADER_REPEATABILITY_CLIENT_ID "Repeatability-Client-ID"
#define MHD_HTTP_HEADER_REPEATABILITY_FIRST_SENT "Repeatability-First-Sent"
#define MHD_HTTP_HEADER_REPEATABILITY_REQUEST_ID "Repeatability-Request-ID"
#define MHD_HTTP_HEADER_REPEATABILITY_RESULT "Repeatability-Result"
#define MHD_HTTP_HEADER_REPORTING_ENDPOINTS "Reporting-Endpoints"
#define MHD_HTTP_HEADER_SEC_GPC "Sec-GPC"
#define MHD_HTTP_HEADER_TIMING_ALLOW_ORIGIN "Timing-Allow-Origin"

/* Fields the registry lists as deprecated. */
#define MHD_HTTP_HEADER_C_PEP_INFO "C-PEP-Info"
#define MHD_HTTP_HEADER_PROTOCOL_INFO "Protocol-Info"
#define MHD_HTTP_HEADER_PROTOCOL_QUERY "Protocol-Query"

/* Fields the registry lists as obsoleted. */
#define MHD_HTTP_HEADER_ACCESS_CONTROL "Access-Control"
#define MHD_HTTP_HEADER_C_EXT "C-Ext"
#define MHD_HTTP_HEADER_C_MAN "C-Man"
#define MHD_HTTP_HEADER_C_OPT "C-Opt"
#define MHD_HTTP_HEADER_C_PEP "C-PEP"
#define MHD_HTTP_HEADER_CONTENT_BASE "Content-Base"
#define MHD_HTTP_HEADER_CONTENT_MD5 "Content-MD5"
#define MHD_HTTP_HEADER_CONTENT_SCRIPT_TYPE "Content-Script-Type"
#define MHD_HTTP_HEADER_CONTENT_STYLE_TYPE "Content-Style-Type"
#define MHD_HTTP_HEADER_CONTENT_VERSION "Content-Version"
#define MHD_HTTP_HEADER_COOKIE2 "Cookie2"
#define MHD_HTTP_HEADER_DEFAULT_STYLE "Default-Style"
#define MHD_HTTP_HEADER_DERIVED_FROM "Derived-From"
#define MHD_HTTP_HEADER_DIGEST "Digest"
#define MHD_HTTP_HEADER_EXT "Ext"
#define MHD_HTTP_HEADER_GETPROFILE "GetProfile"
#define MHD_HTTP_HEADER_HTTP2_SETTINGS "HTTP2-Settings"
#define MHD_HTTP_HEADER_MAN "Man"
#define MHD_HTTP_HEADER_METHOD_CHECK "Method-Check"
#define MHD_HTTP_HEADER_METHOD_CHECK_EXPIRES "Method-Check-Expires"
#define MHD_HTTP_HEADER_OPT "Opt"
#define MHD_HTTP_HEADER_P3P "P3P"
#define MHD_HTTP_HEADER_PEP "PEP"
#define MHD_HTTP_HEADER_PEP_INFO "Pep-Info"
#define MHD_HTTP_HEADER_PICS_LABEL "PICS-Label"
#define MHD_HTTP_HEADER_PROFILEOBJECT "ProfileObject"
#define MHD_HTTP_HEADER_PROTOCOL "Protocol"
#define MHD_HTTP_HEADER_PROTOCOL_REQUEST "Protocol-Request"
#define MHD_HTTP_HEADER_PROXY_FEATURES "Proxy-Features"
#define MHD_HTTP_HEADER_PROXY_INSTRUCTION "Proxy-Instruction"
#define MHD_HTTP_HEADER_PUBLIC "Public"
#define MHD_HTTP_HEADER_REFERER_ROOT "Referer-Root"
#define MHD_HTTP_HEADER_SAFE "Safe"
#define MHD_HTTP_HEADER_SECURITY_SCHEME "Security-Scheme"
#define MHD_HTTP_HEADER_SET_COOKIE2 "Set-Cookie2"
#define MHD_HTTP_HEADER_SETPROFILE "SetProfile"
#define MHD_HTTP_HEADER_URI "URI"
#define MHD_HTTP_HEADER_WANT_DIGEST "Want-Digest"
#define MHD_HTTP_HEADER_WARNING "Warning"

/* Fields removed from the registry (formerly RFC 4229); do not use in new code. */
#define MHD_HTTP_HEADER_COMPLIANCE "Compliance"
#define MHD_HTTP_HEADER_CONTENT_TRANSFER_ENCODING "Content-Transfer-Encoding"
#define MHD_HTTP_HEADER_COST "Cost"
#define MHD_HTTP_HEADER_MESSAGE_ID "Message-ID"
#define MHD_HTTP_HEADER_NON_COMPLIANCE "Non-Compliance"
#define MHD_HTTP_HEADER_OPTIONAL "Optional"
#define MHD_HTTP_HEADER_RESOLUTION_HINT "Resolution-Hint"
#define MHD_HTTP_HEADER_RESOLVER_LOCATION "Resolver-Location"
#define MHD_HTTP_HEADER_SUBOK "SubOK"
#define MHD_HTTP_HEADER_SUBST "Subst"
#define MHD_HTTP_HEADER_TITLE "Title"
#define MHD_HTTP_HEADER_UA_COLOR "UA-Color"
#define MHD_HTTP_HEADER_UA_MEDIA "UA-Media"
#define MHD_HTTP_HEADER_UA_PIXELS "UA-Pixels"
#define MHD_HTTP_HEADER_UA_RESOLUTION "UA-Resolution"
#define MHD_HTTP_HEADER_UA_WINDOWPIXELS "UA-Windowpixels"
#define MHD_HTTP_HEADER_VERSION "Version"
#define MHD_HTTP_HEADER_X_DEVICE_ACCEPT "X-Device-Accept"
#define MHD_HTTP_HEADER_X_DEVICE_ACCEPT_CHARSET "X-Device-Accept-Charset"
#define MHD_HTTP_HEADER_X_DEVICE_ACCEPT_ENCODING "X-Device-Accept-Encoding"
#define MHD_HTTP_HEADER_X_DEVICE_ACCEPT_LANGUAGE "X-Device-Accept-Language"
#define MHD_HTTP_HEADER_X_DEVICE_USER_AGENT "X-Device-User-Agent"

/* ---------------------------------------------------------------------- */
/* HTTP versions, methods and form encodings                               */
/* ---------------------------------------------------------------------- */

/* Protocol versions as they appear in the request line. */
#define MHD_HTTP_VERSION_1_0 "HTTP/1.0"
#define MHD_HTTP_VERSION_1_1 "HTTP/1.1"

/* Request methods from the IANA HTTP Method Registry (2023-10-02 snapshot). */
/* Methods defined by RFC 9110. */
#define MHD_HTTP_METHOD_GET "GET"
#define MHD_HTTP_METHOD_HEAD "HEAD"
#define MHD_HTTP_METHOD_POST "POST"
#define MHD_HTTP_METHOD_PUT "PUT"
#define MHD_HTTP_METHOD_DELETE "DELETE"
#define MHD_HTTP_METHOD_CONNECT "CONNECT"
#define MHD_HTTP_METHOD_OPTIONS "OPTIONS"
#define MHD_HTTP_METHOD_TRACE "TRACE"

/* Further registered methods (WebDAV, DeltaV, PATCH, HTTP/2 preface, ...). */
#define MHD_HTTP_METHOD_ACL "ACL"
#define MHD_HTTP_METHOD_BASELINE_CONTROL "BASELINE-CONTROL"
#define MHD_HTTP_METHOD_BIND "BIND"
#define MHD_HTTP_METHOD_CHECKIN "CHECKIN"
#define MHD_HTTP_METHOD_CHECKOUT "CHECKOUT"
#define MHD_HTTP_METHOD_COPY "COPY"
#define MHD_HTTP_METHOD_LABEL "LABEL"
#define MHD_HTTP_METHOD_LINK "LINK"
#define MHD_HTTP_METHOD_LOCK "LOCK"
#define MHD_HTTP_METHOD_MERGE "MERGE"
#define MHD_HTTP_METHOD_MKACTIVITY "MKACTIVITY"
#define MHD_HTTP_METHOD_MKCALENDAR "MKCALENDAR"
#define MHD_HTTP_METHOD_MKCOL "MKCOL"
#define MHD_HTTP_METHOD_MKREDIRECTREF "MKREDIRECTREF"
#define MHD_HTTP_METHOD_MKWORKSPACE "MKWORKSPACE"
#define MHD_HTTP_METHOD_MOVE "MOVE"
#define MHD_HTTP_METHOD_ORDERPATCH "ORDERPATCH"
#define MHD_HTTP_METHOD_PATCH "PATCH"
#define MHD_HTTP_METHOD_PRI "PRI"
#define MHD_HTTP_METHOD_PROPFIND "PROPFIND"
#define MHD_HTTP_METHOD_PROPPATCH "PROPPATCH"
#define MHD_HTTP_METHOD_REBIND "REBIND"
#define MHD_HTTP_METHOD_REPORT "REPORT"
#define MHD_HTTP_METHOD_SEARCH "SEARCH"
#define MHD_HTTP_METHOD_UNBIND "UNBIND"
#define MHD_HTTP_METHOD_UNCHECKOUT "UNCHECKOUT"
#define MHD_HTTP_METHOD_UNLINK "UNLINK"
#define MHD_HTTP_METHOD_UNLOCK "UNLOCK"
#define MHD_HTTP_METHOD_UPDATE "UPDATE"
#define MHD_HTTP_METHOD_UPDATEREDIRECTREF "UPDATEREDIRECTREF"
#define MHD_HTTP_METHOD_VERSION_CONTROL "VERSION-CONTROL"
#define MHD_HTTP_METHOD_ASTERISK "*"

/* Request body encodings understood by the POST processor. */
#define MHD_HTTP_POST_ENCODING_FORM_URLENCODED "application/x-www-form-urlencoded"
#define MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA "multipart/form-data"

/* ---------------------------------------------------------------------- */
/* Opaque handles                                                          */
/* ---------------------------------------------------------------------- */

/* A running HTTP server (listen socket, connections, optional threads). */
struct MHD_Daemon;

/* One client connection; serves its requests one at a time. */
struct MHD_Connection;

/* A reply (status is given when queueing); reference counted and reusable. */
struct MHD_Response;

/* Incremental parser for form-encoded or multipart request bodies. */
struct MHD_PostProcessor;

/* Token for a connection taken over after a 101 "Upgrade" response. */
struct MHD_UpgradeResponseHandle;

/* ---------------------------------------------------------------------- */
/* Daemon flags                                                            */
/* ---------------------------------------------------------------------- */

/*
 * Bits for the "flags" argument of MHD_start_daemon(). Without
 * MHD_USE_INTERNAL_POLLING_THREAD the application drives the daemon itself
 * (MHD_run(), MHD_get_fdset2() / MHD_run_from_select2(), ...). Names that
 * share a value are older aliases.
 */
enum MHD_FLAG {
    /* Nothing special: external event loop, select(), IPv4. */
    MHD_NO_FLAG = 0,

    /* Write error messages to the MHD_OPTION_EXTERNAL_LOGGER sink (stderr by default). */
    MHD_USE_ERROR_LOG = 1,
    MHD_USE_DEBUG = 1,

    /* Serve HTTPS (needs a TLS-enabled build and key/certificate options). */
    MHD_USE_TLS = 2,
    MHD_USE_SSL = 2,

    /* One thread per connection; also implies MHD_USE_INTERNAL_POLLING_THREAD. */
    MHD_USE_THREAD_PER_CONNECTION = 4,

    /* The library runs its own polling thread (or pool of threads). */
    MHD_USE_INTERNAL_POLLING_THREAD = 8,
    MHD_USE_SELECT_INTERNALLY = 8,

    /* Listen on IPv6 (IPv6 only unless MHD_USE_DUAL_STACK). */
    MHD_USE_IPv6 = 16,

    /* Stricter request parsing; same as MHD_OPTION_CLIENT_DISCIPLINE_LVL 1. */
    MHD_USE_PEDANTIC_CHECKS = 32,

    /* Poll with poll() instead of select(); only with an internal thread. */
    MHD_USE_POLL = 64,

    /* MHD_USE_POLL | MHD_USE_INTERNAL_POLLING_THREAD. */
    MHD_USE_POLL_INTERNAL_THREAD = 72,
    MHD_USE_POLL_INTERNALLY = 72,

    /* Do not add a "Date:" header to replies (for systems without a clock). */
    MHD_USE_SUPPRESS_DATE_NO_CLOCK = 128,
    MHD_SUPPRESS_DATE_NO_CLOCK = 128,

    /* No listen socket; connections arrive only through MHD_add_connection(). */
    MHD_USE_NO_LISTEN_SOCKET = 256,

    /* Poll with epoll (Linux); in external mode one epoll FD is exposed. */
    MHD_USE_EPOLL = 512,
    MHD_USE_EPOLL_LINUX_ONLY = 512,

    /* MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD. */
    MHD_USE_EPOLL_INTERNAL_THREAD = 520,
    MHD_USE_EPOLL_INTERNALLY = 520,
    MHD_USE_EPOLL_INTERNALLY_LINUX_ONLY = 520,

    /* Create an inter-thread wake-up channel (needed by quiesce, resume and
     * MHD_add_connection() with internal threads). */
    MHD_USE_ITC = 1024,
    MHD_USE_PIPE_FOR_SHUTDOWN = 1024,

    /* One IPv6 socket that also accepts IPv4 (includes MHD_USE_IPv6). */
    MHD_USE_DUAL_STACK = 2064,

    /* Optimistic I/O and fewer shutdown() calls; performance only. */
    MHD_USE_TURBO = 4096,
    MHD_USE_EPOLL_TURBO = 4096,

    /* Allow MHD_suspend_connection() / MHD_resume_connection() (implies ITC). */
    MHD_ALLOW_SUSPEND_RESUME = 9216,
    MHD_USE_SUSPEND_RESUME = 9216,

    /* Enable TCP Fast Open on the listen socket. */
    MHD_USE_TCP_FASTOPEN = 16384,

    /* Allow 101 "Upgrade" responses (implies suspend/resume). */
    MHD_ALLOW_UPGRADE = 32768,

    /* Choose the best available poller for the selected threading mode. */
    MHD_USE_AUTO = 65536,

    /* MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD. */
    MHD_USE_AUTO_INTERNAL_THREAD = 65544,

    /* TLS: allow post-handshake client authentication. */
    MHD_USE_POST_HANDSHAKE_AUTH_SUPPORT = 131072,

    /* TLS 1.3: accept early (0-RTT) data. Has replay risks. */
    MHD_USE_INSECURE_TLS_EARLY_DATA = 262144,

    /* The application uses the daemon from one thread only; no internal
     * threads and no locking. Incompatible with internal polling threads. */
    MHD_USE_NO_THREAD_SAFETY = 524288
};

/* ---------------------------------------------------------------------- */
/* Callback types (part 1: used by daemon options)                         */
/* ---------------------------------------------------------------------- */

/* Log sink: "fm" is a printf-style format consumed with "ap". */
typedef void (*MHD_LogCallback)(void *cls, const char *fm, va_list ap);

/* TLS-PSK key lookup for "username". Store a malloc()ed key in *psk (the
 * library frees it) and its length in *psk_size. Return 0, or -1 on error. */
typedef int (*MHD_PskServerCredentialsCallback)(void *cls, const struct MHD_Connection *connection,
                                                const char *username, void **psk, size_t *psk_size);

/* ---------------------------------------------------------------------- */
/* Daemon options                                                          */
/* ---------------------------------------------------------------------- */

/* Bits for MHD_OPTION_DIGEST_AUTH_NONCE_BIND_TYPE: what a generated digest
 * nonce is tied to. Any bit other than NONE makes checks recompute nonces. */
enum MHD_DAuthBindNonce {
    /* A nonce is valid for any request from any client until it expires. */
    MHD_DAUTH_BIND_NONCE_NONE = 0,
    /* ... only with the same realm. */
    MHD_DAUTH_BIND_NONCE_REALM = 1,
    /* ... only for the same method and path (query string ignored). */
    MHD_DAUTH_BIND_NONCE_URI = 2,
    /* ... only for the same method, path and query string (implies URI). */
    MHD_DAUTH_BIND_NONCE_URI_PARAMS = 4,
    /* ... only from the same client IP address. */
    MHD_DAUTH_BIND_NONCE_CLIENT_IP = 8
} _MHD_FLAGS_ENUM;

/*
 * Options for the variadic part of MHD_start_daemon(): each option id is
 * followed by exactly the arguments listed (pass them with these exact
 * types, casting if needed); the list ends with MHD_OPTION_END. Inside an
 * MHD_OPTION_ARRAY item, integers come from "value", single pointers from
 * "ptr_value", and for two-argument options the first argument from
 * "value" (cast through intptr_t) and the second from "ptr_value".
 */
enum MHD_OPTION {
    /* Ends the list. No argument. */
    MHD_OPTION_END = 0,

    /* (size_t) per-connection memory pool in bytes; 0 keeps the default. */
    MHD_OPTION_CONNECTION_MEMORY_LIMIT = 1,

    /* (unsigned int) maximum number of simultaneous connections. */
    MHD_OPTION_CONNECTION_LIMIT = 2,

    /* (unsigned int) idle timeout of a connection in seconds; 0 = none. */
    MHD_OPTION_CONNECTION_TIMEOUT = 3,

    /* (MHD_RequestCompletedCallback, void *cls) called when a request ends. */
    MHD_OPTION_NOTIFY_COMPLETED = 4,

    /* (unsigned int) maximum simultaneous connections per client IP; 0 = no limit. */
    MHD_OPTION_PER_IP_CONNECTION_LIMIT = 5,

    /* (const struct sockaddr *) address to bind (IPv4, or IPv6 with
     * MHD_USE_IPv6); NULL is ignored. Prefer MHD_OPTION_SOCK_ADDR_LEN. */
    MHD_OPTION_SOCK_ADDR = 6,

    /* (void *(*)(void *cls, const char *uri, struct MHD_Connection *con),
     *  void *cls): called once per request with the raw request target,
     * before headers are parsed; its result becomes the initial *req_cls. */
    MHD_OPTION_URI_LOG_CALLBACK = 7,

    /* (const char *) PEM private key for HTTPS. */
    MHD_OPTION_HTTPS_MEM_KEY = 8,

    /* (const char *) PEM certificate (chain) for HTTPS. */
    MHD_OPTION_HTTPS_MEM_CERT = 9,

    /* (int, a gnutls_credentials_type_t) certificate or PSK credentials. */
    MHD_OPTION_HTTPS_CRED_TYPE = 10,

    /* (const char *) GnuTLS priority string replacing the default. */
    MHD_OPTION_HTTPS_PRIORITIES = 11,

    /* (MHD_socket) an already bound and listening socket to use;
     * MHD_INVALID_SOCKET is ignored. Closed by MHD_stop_daemon(). */
    MHD_OPTION_LISTEN_SOCKET = 12,

    /* (MHD_LogCallback, void *cls) log sink; give it as the first option. */
    MHD_OPTION_EXTERNAL_LOGGER = 13,

    /* (unsigned int) number of worker threads; > 1 needs an internal thread. */
    MHD_OPTION_THREAD_POOL_SIZE = 14,

    /* (struct MHD_OptionItem *) array of further options, ended by an item
     * whose option is MHD_OPTION_END. May be nested. */
    MHD_OPTION_ARRAY = 15,

    /* (size_t (*)(void *cls, struct MHD_Connection *c, char *s), void *cls):
     * replaces %-decoding of the URL path and GET arguments. It decodes "s"
     * in place, never lengthens it, keeps it 0-terminated and returns the
     * new length. Not used for POST data. */
    MHD_OPTION_UNESCAPE_CALLBACK = 16,

    /* (size_t len, const char *buf) entropy for digest nonces; the buffer is
     * kept by reference for the daemon's lifetime. */
    MHD_OPTION_DIGEST_AUTH_RANDOM = 17,

    /* (unsigned int) size of the nonce / nonce-count table; 0 disables digest
     * challenges. */
    MHD_OPTION_NONCE_NC_SIZE = 18,

    /* (size_t) stack size of threads the library creates; 0 = system default. */
    MHD_OPTION_THREAD_STACK_SIZE = 19,

    /* (const char *) PEM CA certificate(s) used to request client certificates. */
    MHD_OPTION_HTTPS_MEM_TRUST = 20,

    /* (size_t) growth step of the read buffer; 0 keeps the default. */
    MHD_OPTION_CONNECTION_MEMORY_INCREMENT = 21,

    /* (gnutls_certificate_retrieve_function2 *) per-handshake certificate
     * selection, e.g. by SNI. */
    MHD_OPTION_HTTPS_CERT_CALLBACK = 22,

    /* (unsigned int) TCP Fast Open queue length (with MHD_USE_TCP_FASTOPEN). */
    MHD_OPTION_TCP_FASTOPEN_QUEUE_SIZE = 23,

    /* (const char *) PEM Diffie-Hellman parameters. */
    MHD_OPTION_HTTPS_MEM_DHPARAMS = 24,

    /* (unsigned int) non-zero: allow address/port reuse (SO_REUSEPORT);
     * zero: do not set reuse options. */
    MHD_OPTION_LISTENING_ADDRESS_REUSE = 25,

    /* (const char *) passphrase of an encrypted private key. */
    MHD_OPTION_HTTPS_KEY_PASSWORD = 26,

    /* (MHD_NotifyConnectionCallback, void *cls) called when a connection
     * starts and when it closes. */
    MHD_OPTION_NOTIFY_CONNECTION = 27,

    /* (unsigned int) listen() backlog; default SOMAXCONN. */
    MHD_OPTION_LISTEN_BACKLOG_SIZE = 28,

    /* (int) legacy strictness: 1 strict, 0 default, -1 most lenient. Prefer
     * MHD_OPTION_CLIENT_DISCIPLINE_LVL. */
    MHD_OPTION_STRICT_FOR_CLIENT = 29,

    /* (MHD_PskServerCredentialsCallback, void *cls) TLS-PSK key lookup. */
    MHD_OPTION_GNUTLS_PSK_CRED_HANDLER = 30,

    /* (gnutls_certificate_retrieve_function3 *) like
     * MHD_OPTION_HTTPS_CERT_CALLBACK, with OCSP stapling support. */
    MHD_OPTION_HTTPS_CERT_CALLBACK2 = 31,

    /* (unsigned int, an enum MHD_DisableSanityCheck) for testing only. */
    MHD_OPTION_SERVER_INSANITY = 32,

    /* (int) non-zero: the application blocks or handles SIGPIPE itself. */
    MHD_OPTION_SIGPIPE_HANDLED_BY_APP = 33,

    /* (int) non-zero: do not use ALPN on TLS connections. */
    MHD_OPTION_TLS_NO_ALPN = 34,

    /* (size_t len, const char *buf) like MHD_OPTION_DIGEST_AUTH_RANDOM, but
     * the buffer is copied. */
    MHD_OPTION_DIGEST_AUTH_RANDOM_COPY = 35,

    /* (unsigned int) OR of enum MHD_DAuthBindNonce values. */
    MHD_OPTION_DIGEST_AUTH_NONCE_BIND_TYPE = 36,

    /* (const char *) GnuTLS priorities appended to the default ones. */
    MHD_OPTION_HTTPS_PRIORITIES_APPEND = 37,

    /* (int) request parsing strictness from -3 (lenient) to 3 (strict);
     * 0 is the default. Out-of-range values are clamped. */
    MHD_OPTION_CLIENT_DISCIPLINE_LVL = 38,

    /* (int) FD_SETSIZE the application uses with external select(). */
    MHD_OPTION_APP_FD_SETSIZE = 39,

    /* (socklen_t len, const struct sockaddr *addr) address to bind; note the
     * length comes first. A zero length with NULL is ignored. */
    MHD_OPTION_SOCK_ADDR_LEN = 40,

    /* (unsigned int) digest nonce lifetime in seconds used when a check
     * passes 0; 0 here keeps the default. */
    MHD_OPTION_DIGEST_AUTH_DEFAULT_NONCE_TIMEOUT = 41,

    /* (uint32_t) highest accepted digest nonce count used when a check
     * passes 0; 0 here keeps the default. */
    MHD_OPTION_DIGEST_AUTH_DEFAULT_MAX_NC = 42
} _MHD_FIXED_ENUM;

/* Values for MHD_OPTION_SERVER_INSANITY. */
enum MHD_DisableSanityCheck {
    /* Keep every safety check. */
    MHD_DSC_SANE = 0
} _MHD_FIXED_FLAGS_ENUM;

/* One entry of an MHD_OPTION_ARRAY (see enum MHD_OPTION for field use). */
struct MHD_OptionItem {
    /* Which option; MHD_OPTION_END terminates the array. */
    enum MHD_OPTION option;
    /* Integer argument, or the first of two arguments. */
    intptr_t value;
    /* Pointer argument, or the second of two arguments. */
    void *ptr_value;
};

/* ---------------------------------------------------------------------- */
/* Request data, notifications and information types                       */
/* ---------------------------------------------------------------------- */

/* Where a key/value pair comes from. Used as a bit mask when iterating. */
enum MHD_ValueKind {
    /* Unused legacy value; referring to it by name warns. */
    MHD_RESPONSE_HEADER_KIND = 0,
#define MHD_RESPONSE_HEADER_KIND                                                                   \
    _MHD_DEPR_IN_MACRO("MHD_RESPONSE_HEADER_KIND is deprecated and unused")                        \
    MHD_RESPONSE_HEADER_KIND

    /* Request (or response) header field. */
    MHD_HEADER_KIND = 1,
    /* Cookie parsed from the "Cookie:" header(s). */
    MHD_COOKIE_KIND = 2,
    /* Form field of a small url-encoded body parsed by the library. */
    MHD_POSTDATA_KIND = 4,
    /* Argument from the URL query string. */
    MHD_GET_ARGUMENT_KIND = 8,
    /* Trailer field after a chunked body. */
    MHD_FOOTER_KIND = 16
} _MHD_FIXED_ENUM;

/* Why a request ended (argument of MHD_RequestCompletedCallback). */
enum MHD_RequestTerminationCode {
    /* The response was sent completely. */
    MHD_REQUEST_TERMINATED_COMPLETED_OK = 0,
    /* Processing failed (resources, application error, TLS or send error). */
    MHD_REQUEST_TERMINATED_WITH_ERROR = 1,
    /* The connection was idle longer than its timeout. */
    MHD_REQUEST_TERMINATED_TIMEOUT_REACHED = 2,
    /* The daemon is shutting down. */
    MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN = 3,
    /* Reading the request failed: the connection broke or was reset. */
    MHD_REQUEST_TERMINATED_READ_ERROR = 4,
    /* The client half-closed the connection before the request was complete. */
    MHD_REQUEST_TERMINATED_CLIENT_ABORT = 5
} _MHD_FIXED_ENUM;

/* Event reported by MHD_NotifyConnectionCallback. */
enum MHD_ConnectionNotificationCode {
    /* A connection was accepted or added. */
    MHD_CONNECTION_NOTIFY_STARTED = 0,
    /* A connection was closed. */
    MHD_CONNECTION_NOTIFY_CLOSED = 1
} _MHD_FIXED_ENUM;

/* Result of MHD_get_connection_info(); which member is valid depends on the
 * requested enum MHD_ConnectionInfoType. Owned by the library. */
union MHD_ConnectionInfo {
    /* gnutls cipher algorithm (CIPHER_ALGO). */
    int cipher_algorithm;
    /* gnutls protocol version (PROTOCOL). */
    int protocol;
    /* MHD_YES if suspended (CONNECTION_SUSPENDED). */
    int suspended;
    /* Idle timeout in seconds, 0 = none (CONNECTION_TIMEOUT). */
    unsigned int connection_timeout;
    /* Status code of the queued response (HTTP_STATUS). */
    unsigned int http_status;
    /* The connection's socket (CONNECTION_FD). */
    MHD_socket connect_fd;
    /* Bytes of request line plus header section (REQUEST_HEADER_SIZE). */
    size_t header_size;
    /* gnutls_session_t of a TLS connection (GNUTLS_SESSION). */
    void *tls_session;
    /* gnutls_x509_crt_t; never provided (GNUTLS_CLIENT_CERT). */
    void *client_cert;
    /* Peer address (CLIENT_ADDRESS). */
    struct sockaddr *client_addr;
    /* Daemon serving this connection (DAEMON). */
    struct MHD_Daemon *daemon;
    /* Per-socket pointer set by MHD_NotifyConnectionCallback (SOCKET_CONTEXT). */
    void *socket_context;
};

/* One memory region of a MHD_create_response_from_iovec() body. */
struct MHD_IoVec {
    /* Start of the region. */
    const void *iov_base;
    /* Length of the region in bytes. */
    size_t iov_len;
};

/* Selector for MHD_get_connection_info() (no extra arguments for any). */
enum MHD_ConnectionInfoType {
    MHD_CONNECTION_INFO_CIPHER_ALGO = 0,
    MHD_CONNECTION_INFO_PROTOCOL = 1,
    MHD_CONNECTION_INFO_CLIENT_ADDRESS = 2,
    MHD_CONNECTION_INFO_GNUTLS_SESSION = 3,
    /* Never implemented; always yields NULL. */
    MHD_CONNECTION_INFO_GNUTLS_CLIENT_CERT = 4,
    MHD_CONNECTION_INFO_DAEMON = 5,
    MHD_CONNECTION_INFO_CONNECTION_FD = 6,
    MHD_CONNECTION_INFO_SOCKET_CONTEXT = 7,
    MHD_CONNECTION_INFO_CONNECTION_SUSPENDED = 8,
    MHD_CONNECTION_INFO_CONNECTION_TIMEOUT = 9,
    MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE = 10,
    /* NULL while no response is queued. */
    MHD_CONNECTION_INFO_HTTP_STATUS = 11
} _MHD_FIXED_ENUM;

/* Selector for MHD_get_daemon_info() (no extra arguments for any). */
enum MHD_DaemonInfoType {
    /* Obsolete; always yields NULL. */
    MHD_DAEMON_INFO_KEY_SIZE = 0,
    /* Obsolete; always yields NULL. */
    MHD_DAEMON_INFO_MAC_KEY_SIZE = 1,
    /* The listen socket. */
    MHD_DAEMON_INFO_LISTEN_FD = 2,
    /* The epoll FD to wait on in external epoll mode. */
    MHD_DAEMON_INFO_EPOLL_FD_LINUX_ONLY = 3,
    MHD_DAEMON_INFO_EPOLL_FD = 3,
    /* Number of open connections. */
    MHD_DAEMON_INFO_CURRENT_CONNECTIONS = 4,
    /* Effective flags, including bits the library implied. */
    MHD_DAEMON_INFO_FLAGS = 5,
    /* Port of the listen socket (the real one when 0 was requested). */
    MHD_DAEMON_INFO_BIND_PORT = 6
} _MHD_FIXED_ENUM;

/* Result of MHD_get_daemon_info(); member per enum MHD_DaemonInfoType.
 * Owned by the library. */
union MHD_DaemonInfo {
    /* Obsolete. */
    size_t key_size;
    /* Obsolete. */
    size_t mac_key_size;
    /* LISTEN_FD. */
    MHD_socket listen_fd;
    /* BIND_PORT. */
    uint16_t port;
    /* EPOLL_FD. */
    int epoll_fd;
    /* CURRENT_CONNECTIONS. */
    unsigned int num_connections;
    /* FLAGS (a bit mask of enum MHD_FLAG). */
    enum MHD_FLAG flags;
};

/* ---------------------------------------------------------------------- */
/* Callback types (part 2)                                                 */
/* ---------------------------------------------------------------------- */

/* Called on fatal internal errors or API misuse. "file"/"reason" may be
 * NULL. The default prints a message and aborts; it should not return. */
typedef void (*MHD_PanicCallback)(void *cls, const char *file, unsigned int line,
                                  const char *reason);

/* Decide whether to accept a new connection from "addr". MHD_NO closes it
 * silently. */
typedef enum MHD_Result (*MHD_AcceptPolicyCallback)(void *cls, const struct sockaddr *addr,
                                                    socklen_t addrlen);

/*
 * The request handler, called several times per request: once when the
 * headers are complete, then for each piece of body (set *upload_data_size to
 * the number of bytes NOT consumed), then once more with *upload_data_size 0.
 * Queue a reply with MHD_queue_response() (or suspend the connection).
 * *req_cls starts as NULL (or the URI log callback's result) and is kept
 * between calls of the same request. Return MHD_NO to close the connection.
 */
typedef enum MHD_Result (*MHD_AccessHandlerCallback)(void *cls, struct MHD_Connection *connection,
                                                     const char *url, const char *method,
                                                     const char *version, const char *upload_data,
                                                     size_t *upload_data_size, void **req_cls);

/* Called once when a request the handler has seen ends, with the reason. */
typedef void (*MHD_RequestCompletedCallback)(void *cls, struct MHD_Connection *connection,
                                             void **req_cls, enum MHD_RequestTerminationCode toe);

/* Called when a connection starts and when it closes; *socket_context is a
 * per-connection pointer the application may set. */
typedef void (*MHD_NotifyConnectionCallback)(void *cls, struct MHD_Connection *connection,
                                             void **socket_context,
                                             enum MHD_ConnectionNotificationCode toe);

/* Visits one key/value pair ("value" may be NULL). Return MHD_NO to stop. */
typedef enum MHD_Result (*MHD_KeyValueIterator)(void *cls, enum MHD_ValueKind kind, const char *key,
                                                const char *value);

/* Like MHD_KeyValueIterator, with lengths (values may contain NUL bytes). */
typedef enum MHD_Result (*MHD_KeyValueIteratorN)(void *cls, enum MHD_ValueKind kind,
                                                 const char *key, size_t key_size,
                                                 const char *value, size_t value_size);

/*
 * Produces response body bytes: copy up to "max" bytes for stream offset
 * "pos" into "buf" and return how many were written, or return
 * MHD_CONTENT_READER_END_OF_STREAM / MHD_CONTENT_READER_END_WITH_ERROR.
 * Returning 0 means "no data yet" and is only sensible with suspend/resume
 * or an external event loop.
 */
typedef ssize_t (*MHD_ContentReaderCallback)(void *cls, uint64_t pos, char *buf, size_t max);

/* Releases the closure of a content reader or buffer when the response dies. */
typedef void (*MHD_ContentReaderFreeCallback)(void *cls);

/*
 * Receives parsed POST data: "size" bytes of field "key" at offset "off" of
 * its value (large values arrive in pieces). "filename", "content_type" and
 * "transfer_encoding" are set for multipart parts that carry them, else
 * NULL. Return MHD_NO to abort parsing.
 */
typedef enum MHD_Result (*MHD_PostDataIterator)(void *cls, enum MHD_ValueKind kind, const char *key,
                                                const char *filename, const char *content_type,
                                                const char *transfer_encoding, const char *data,
                                                uint64_t off, size_t size);

/* ---------------------------------------------------------------------- */
/* Daemon lifecycle                                                        */
/* ---------------------------------------------------------------------- */

/*
 * Start a server on "port" (host byte order; 0 picks a free port) with the
 * given enum MHD_FLAG bits, accept policy "apc" (NULL accepts everybody)
 * and request handler "dh" (required), then the option list in "ap".
 * Returns the new daemon, or NULL on any failure.
 */
_MHD_EXTERN struct MHD_Daemon *MHD_start_daemon_va(unsigned int flags, uint16_t port,
                                                   MHD_AcceptPolicyCallback apc, void *apc_cls,
                                                   MHD_AccessHandlerCallback dh, void *dh_cls,
                                                   va_list ap);

/* Variadic form of MHD_start_daemon_va(); end the options with MHD_OPTION_END. */
_MHD_EXTERN struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                                MHD_AcceptPolicyCallback apc, void *apc_cls,
                                                MHD_AccessHandlerCallback dh, void *dh_cls, ...);

/*
 * Stop accepting new connections while existing ones are finished. Returns
 * the listen socket, now owned by the caller (with internal threads, close
 * it only after MHD_stop_daemon()), or MHD_INVALID_SOCKET if there is none
 * or the threading mode lacks MHD_USE_ITC.
 */
_MHD_EXTERN MHD_socket MHD_quiesce_daemon(struct MHD_Daemon *daemon);

/* Close every connection, stop internal threads and free the daemon.
 * Suspended connections must be resumed first. NULL is ignored. */
_MHD_EXTERN void MHD_stop_daemon(struct MHD_Daemon *daemon);

/*
 * Hand an already connected socket to the daemon, which owns (and will close)
 * it from now on, whatever the result. Internal-thread daemons need
 * MHD_USE_ITC. Returns MHD_NO on failure (errno tells why).
 */
_MHD_EXTERN enum MHD_Result MHD_add_connection(struct MHD_Daemon *daemon, MHD_socket client_socket,
                                               const struct sockaddr *addr, socklen_t addrlen);

/* ---------------------------------------------------------------------- */
/* External event loop                                                     */
/* ---------------------------------------------------------------------- */

/*
 * Add the daemon's descriptors to the caller's select() sets (they are not
 * cleared first) and raise *max_fd (may be NULL). Only for external-loop
 * daemons using select or epoll. MHD_NO if unsuitable or an FD does not fit.
 * In application code this name is a macro for MHD_get_fdset2(..., FD_SETSIZE).
 */
_MHD_EXTERN enum MHD_Result MHD_get_fdset(struct MHD_Daemon *daemon, fd_set *read_fd_set,
                                          fd_set *write_fd_set, fd_set *except_fd_set,
                                          MHD_socket *max_fd);

/* MHD_get_fdset() for sets built with an FD_SETSIZE of "fd_setsize". */
_MHD_EXTERN enum MHD_Result MHD_get_fdset2(struct MHD_Daemon *daemon, fd_set *read_fd_set,
                                           fd_set *write_fd_set, fd_set *except_fd_set,
                                           MHD_socket *max_fd, unsigned int fd_setsize);

#define MHD_get_fdset(daemon, read_fd_set, write_fd_set, except_fd_set, max_fd)                    \
    MHD_get_fdset2((daemon), (read_fd_set), (write_fd_set), (except_fd_set), (max_fd), FD_SETSIZE)

/*
 * Longest time in milliseconds an external loop may wait before calling
 * MHD_run*() again, stored in *timeout. MHD_NO means no timeout is needed
 * (wait for socket activity only). Only for external-loop daemons.
 */
_MHD_EXTERN enum MHD_Result MHD_get_timeout(struct MHD_Daemon *daemon,
                                            MHD_UNSIGNED_LONG_LONG *timeout);

/* Same as MHD_get_timeout() with a uint64_t result. */
_MHD_EXTERN enum MHD_Result MHD_get_timeout64(struct MHD_Daemon *daemon, uint64_t *timeout);

/* Same as MHD_get_timeout(): the milliseconds, or -1 for "no timeout". */
_MHD_EXTERN int64_t MHD_get_timeout64s(struct MHD_Daemon *daemon);

/* Same as MHD_get_timeout64s(), capped at INT_MAX. */
_MHD_EXTERN int MHD_get_timeout_i(struct MHD_Daemon *daemon);

/* One non-blocking round of work for an external-loop daemon (polls its own
 * sockets). MHD_NO if the daemon runs its own threads. */
_MHD_EXTERN enum MHD_Result MHD_run(struct MHD_Daemon *daemon);

/* Like MHD_run(), but first waits up to "millisec" ms for activity
 * (-1: wait until activity or the next timeout). */
_MHD_EXTERN enum MHD_Result MHD_run_wait(struct MHD_Daemon *daemon, int32_t millisec);

/*
 * Process the daemon's sockets using sets already filled by select().
 * In application code this name is a macro for MHD_run_from_select2(...,
 * FD_SETSIZE). MHD_NO on serious errors or for internal-thread daemons.
 */
_MHD_EXTERN enum MHD_Result MHD_run_from_select(struct MHD_Daemon *daemon,
                                                const fd_set *read_fd_set,
                                                const fd_set *write_fd_set,
                                                const fd_set *except_fd_set);

/* MHD_run_from_select() for sets built with an FD_SETSIZE of "fd_setsize". */
_MHD_EXTERN enum MHD_Result MHD_run_from_select2(struct MHD_Daemon *daemon,
                                                 const fd_set *read_fd_set,
                                                 const fd_set *write_fd_set,
                                                 const fd_set *except_fd_set,
                                                 unsigned int fd_setsize);

#define MHD_run_from_select(d, r, w, e)                                                            \
    MHD_run_from_select2((d), (r), (w), (e), (unsigned int)(FD_SETSIZE))

/* ---------------------------------------------------------------------- */
/* Request data                                                            */
/* ---------------------------------------------------------------------- */

/* Call "iterator" (may be NULL) for each request value whose kind is in the
 * "kind" mask, in arrival order. Returns the number visited, -1 if
 * "connection" is NULL. */
_MHD_EXTERN int MHD_get_connection_values(struct MHD_Connection *connection,
                                          enum MHD_ValueKind kind, MHD_KeyValueIterator iterator,
                                          void *iterator_cls);

/* MHD_get_connection_values() with key and value lengths. */
_MHD_EXTERN int MHD_get_connection_values_n(struct MHD_Connection *connection,
                                            enum MHD_ValueKind kind, MHD_KeyValueIteratorN iterator,
                                            void *iterator_cls);

/* Add a value to the current request (only from inside the request handler).
 * "key" and "value" are kept by reference until the request ends.
 * MHD_NO when out of memory. */
_MHD_EXTERN enum MHD_Result MHD_set_connection_value(struct MHD_Connection *connection,
                                                     enum MHD_ValueKind kind, const char *key,
                                                     const char *value);

/* MHD_set_connection_value() with explicit lengths (both strings must still
 * be 0-terminated). */
_MHD_EXTERN enum MHD_Result MHD_set_connection_value_n(struct MHD_Connection *connection,
                                                       enum MHD_ValueKind kind, const char *key,
                                                       size_t key_size, const char *value,
                                                       size_t value_size);

/* Install the handler for fatal errors; NULL restores the default. */
_MHD_EXTERN void MHD_set_panic_func(MHD_PanicCallback cb, void *cls);

/* Decode %HH escapes in "val" in place (the result stays 0-terminated).
 * Returns the decoded length, which may include NUL bytes. */
_MHD_EXTERN size_t MHD_http_unescape(char *val);

/* First value of "kind" named "key" (case-insensitive for headers; NULL key
 * looks for a value without a key). Returns NULL if absent. */
_MHD_EXTERN const char *MHD_lookup_connection_value(struct MHD_Connection *connection,
                                                    enum MHD_ValueKind kind, const char *key);

/* Length-aware lookup: stores the value and its length (either pointer may
 * be NULL) and returns MHD_YES if found, else MHD_NO. */
_MHD_EXTERN enum MHD_Result MHD_lookup_connection_value_n(struct MHD_Connection *connection,
                                                          enum MHD_ValueKind kind, const char *key,
                                                          size_t key_size, const char **value_ptr,
                                                          size_t *value_size_ptr);

/*
 * Queue "response" with "status_code" (optionally OR-ed with MHD_ICY_FLAG)
 * as the reply to the current request; call it from the request handler.
 * The connection takes its own reference to the response. MHD_NO if a
 * reply is already queued, the response is NULL or the call is not allowed.
 */
_MHD_EXTERN enum MHD_Result MHD_queue_response(struct MHD_Connection *connection,
                                               unsigned int status_code,
                                               struct MHD_Response *response);

/* Stop processing the connection until MHD_resume_connection(); call it from
 * the request handler or a content reader. Needs MHD_ALLOW_SUSPEND_RESUME. */
_MHD_EXTERN void MHD_suspend_connection(struct MHD_Connection *connection);

/* Resume a suspended connection; safe from any thread. */
_MHD_EXTERN void MHD_resume_connection(struct MHD_Connection *connection);

/* ---------------------------------------------------------------------- */
/* Responses                                                               */
/* ---------------------------------------------------------------------- */

/* Bits for MHD_set_response_options() and MHD_create_response_empty(). */
enum MHD_ResponseFlags {
    /* No special behaviour. */
    MHD_RF_NONE = 0,

    /* Reply like a cautious HTTP/1.0 peer: no chunked encoding, always
     * close the connection (status line still says HTTP/1.1). */
    MHD_RF_HTTP_1_0_COMPATIBLE_STRICT = 1,
    MHD_RF_HTTP_VERSION_1_0_ONLY = 1,

    /* Reply as an HTTP/1.0 server: "HTTP/1.0" status line, no chunking,
     * explicit "Connection:" header. */
    MHD_RF_HTTP_1_0_SERVER = 2,
    MHD_RF_HTTP_VERSION_1_0_RESPONSE = 2,

    /* Let the application set "Content-Length" itself. */
    MHD_RF_INSANITY_HEADER_CONTENT_LENGTH = 4,

    /* Send "Connection: Keep-Alive" to HTTP/1.1 clients too. */
    MHD_RF_SEND_KEEP_ALIVE_HEADER = 8,

    /* Body-less response for HEAD or 304 replies: no automatic
     * "Content-Length" or chunked encoding header. */
    MHD_RF_HEAD_ONLY_RESPONSE = 16
} _MHD_FIXED_FLAGS_ENUM;

/* Items of the variadic list of MHD_set_response_options(). */
enum MHD_ResponseOptions {
    /* Ends the list. */
    MHD_RO_END = 0
} _MHD_FIXED_ENUM;

/* Replace the flags of "response"; the variadic list holds enum
 * MHD_ResponseOptions items ending with MHD_RO_END. MHD_NO on error. */
_MHD_EXTERN enum MHD_Result MHD_set_response_options(struct MHD_Response *response,
                                                     enum MHD_ResponseFlags flags, ...);

/*
 * Response whose body is produced by "crc" (size MHD_SIZE_UNKNOWN means
 * "until end of stream", sent chunked to HTTP/1.1 clients). "block_size" is
 * the preferred read size; "crfc" (may be NULL) frees "crc_cls" when the
 * response is destroyed. NULL on error.
 */
_MHD_EXTERN struct MHD_Response *
MHD_create_response_from_callback(uint64_t size, size_t block_size, MHD_ContentReaderCallback crc,
                                  void *crc_cls, MHD_ContentReaderFreeCallback crfc);

/* Old buffer response: copy "data" if must_copy, free() it when done if
 * must_free, else keep it by reference. NULL on error. */
_MHD_DEPR_FUNC("MHD_create_response_from_data() is deprecated; use "
               "MHD_create_response_from_buffer()")
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_data(size_t size, void *data,
                                                               int must_free, int must_copy);

/* How MHD_create_response_from_buffer() treats its buffer. */
enum MHD_ResponseMemoryMode {
    /* Kept by reference; must outlive the response. */
    MHD_RESPMEM_PERSISTENT = 0,
    /* Kept and released with free() when the response is destroyed. */
    MHD_RESPMEM_MUST_FREE = 1,
    /* Copied immediately. */
    MHD_RESPMEM_MUST_COPY = 2
} _MHD_FIXED_ENUM;

/* Response with a "size"-byte body in "buffer", handled per "mode".
 * NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                                 enum MHD_ResponseMemoryMode mode);

/* Response whose body "buffer" is kept by reference (e.g. static data);
 * NULL is allowed when "size" is 0. NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_buffer_static(size_t size,
                                                                        const void *buffer);

/* Response with a private copy of "buffer" as body. NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_buffer_copy(size_t size,
                                                                      const void *buffer);

/* Response using "buffer" by reference; "crfc(buffer)" is called when the
 * response is destroyed. NULL on error. */
_MHD_EXTERN struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback(size_t size, void *buffer,
                                                   MHD_ContentReaderFreeCallback crfc);

/* As above, but "crfc(crfc_cls)" is called (if crfc is not NULL). */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_buffer_with_free_callback_cls(
    size_t size, const void *buffer, MHD_ContentReaderFreeCallback crfc, void *crfc_cls);

/* Response sending "size" bytes of the file "fd" from offset 0; the
 * response owns fd and closes it. NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_fd(size_t size, int fd);

/* Response streaming the pipe "fd" until EOF; usable for one reply only.
 * The response owns fd. NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_pipe(int fd);

/* MHD_create_response_from_fd() with a 64-bit size. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_fd64(uint64_t size, int fd);

/*
 * Response sending "size" bytes of file "fd" starting at "offset"; the
 * response owns fd. In application code this name is a macro for
 * MHD_create_response_from_fd_at_offset64() (off_t size independence).
 */
_MHD_DEPR_FUNC("MHD_create_response_from_fd_at_offset() is deprecated; use "
               "MHD_create_response_from_fd_at_offset64()")
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_fd_at_offset(size_t size, int fd,
                                                                       off_t offset);

/* clang-format off */
#if ! defined(_MHD_NO_DEPR_IN_MACRO) || defined(_MHD_NO_DEPR_FUNC)
#define MHD_create_response_from_fd_at_offset(size, fd, offset) \
    _MHD_DEPR_IN_MACRO("MHD_create_response_from_fd_at_offset() is deprecated; use MHD_create_response_from_fd_at_offset64()") \
    MHD_create_response_from_fd_at_offset64((size), (fd), (offset))
#endif
/* clang-format on */

/* Response sending "size" bytes of file "fd" from "offset" (64-bit); the
 * response owns fd. NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_from_fd_at_offset64(uint64_t size, int fd,
                                                                         uint64_t offset);

/* Response whose body is the concatenation of "iovcnt" regions (the array is
 * copied, the memory is not); "free_cb(cls)" runs when the response is
 * destroyed. NULL on error. */
_MHD_EXTERN struct MHD_Response *
MHD_create_response_from_iovec(const struct MHD_IoVec *iov, unsigned int iovcnt,
                               MHD_ContentReaderFreeCallback free_cb, void *cls);

/* Response with an empty body and the given flags. NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_empty(enum MHD_ResponseFlags flags);

/* ---------------------------------------------------------------------- */
/* Protocol upgrade (HTTP 101)                                             */
/* ---------------------------------------------------------------------- */

/* Actions for MHD_upgrade_action() (none takes extra arguments). */
enum MHD_UpgradeAction {
    /* The application is done: close the upgraded connection. */
    MHD_UPGRADE_ACTION_CLOSE = 0,
    /* Turn on corking (batching) of outgoing data. */
    MHD_UPGRADE_ACTION_CORK_ON = 1,
    /* Turn corking off again. */
    MHD_UPGRADE_ACTION_CORK_OFF = 2
} _MHD_FIXED_ENUM;

/* Perform "action" on an upgraded connection. MHD_NO on error. */
_MHD_EXTERN enum MHD_Result MHD_upgrade_action(struct MHD_UpgradeResponseHandle *urh,
                                               enum MHD_UpgradeAction action, ...);

/*
 * Called after a 101 response was sent: the application now owns the byte
 * stream "sock" (never close() it; use MHD_UPGRADE_ACTION_CLOSE on "urh").
 * "extra_in" holds bytes already read past the request. "req_cls" is the
 * request's last *req_cls.
 */
typedef void (*MHD_UpgradeHandler)(void *cls, struct MHD_Connection *connection, void *req_cls,
                                   const char *extra_in, size_t extra_in_size, MHD_socket sock,
                                   struct MHD_UpgradeResponseHandle *urh);

/* Response that hands the connection to "upgrade_handler" after it is sent
 * (queue it with status 101 and set the Upgrade headers yourself). Needs
 * MHD_ALLOW_UPGRADE. NULL on error. */
_MHD_EXTERN struct MHD_Response *MHD_create_response_for_upgrade(MHD_UpgradeHandler upgrade_handler,
                                                                 void *upgrade_handler_cls);

/* Drop the caller's reference; the response is freed once no connection
 * uses it any more. */
_MHD_EXTERN void MHD_destroy_response(struct MHD_Response *response);

/* Add a header (both strings are copied). MHD_NO for invalid input, a
 * forbidden header, or out of memory. */
_MHD_EXTERN enum MHD_Result MHD_add_response_header(struct MHD_Response *response,
                                                    const char *header, const char *content);

/* Add a trailer field, sent after a chunked body. MHD_NO on error. */
_MHD_EXTERN enum MHD_Result MHD_add_response_footer(struct MHD_Response *response,
                                                    const char *footer, const char *content);

/* Remove the header or footer "header" with value "content". MHD_NO if no
 * such entry exists. */
_MHD_EXTERN enum MHD_Result MHD_del_response_header(struct MHD_Response *response,
                                                    const char *header, const char *content);

/* Call "iterator" (may be NULL) for each header and footer of the response.
 * Returns the number of entries. */
_MHD_EXTERN int MHD_get_response_headers(struct MHD_Response *response,
                                         MHD_KeyValueIterator iterator, void *iterator_cls);

/* Value of the first header or footer named "key" (case-insensitive), or
 * NULL. */
_MHD_EXTERN const char *MHD_get_response_header(struct MHD_Response *response, const char *key);

/* ---------------------------------------------------------------------- */
/* POST processor                                                          */
/* ---------------------------------------------------------------------- */

/*
 * Parser for the body of the current request (url-encoded or multipart, by
 * its Content-Type), delivering fields to "iter". "buffer_size" (at least
 * 256) bounds internal buffering. NULL for unsupported encodings or errors.
 */
_MHD_EXTERN struct MHD_PostProcessor *MHD_create_post_processor(struct MHD_Connection *connection,
                                                                size_t buffer_size,
                                                                MHD_PostDataIterator iter,
                                                                void *iter_cls);

/* Feed the next "post_data_len" body bytes. MHD_NO on parse error, out of
 * memory, or when the iterator asked to stop. */
_MHD_EXTERN enum MHD_Result MHD_post_process(struct MHD_PostProcessor *pp, const char *post_data,
                                             size_t post_data_len);

/* Flush and free the parser. MHD_NO if the body ended in the middle of a
 * field or was malformed (often ignored). */
_MHD_EXTERN enum MHD_Result MHD_destroy_post_processor(struct MHD_PostProcessor *pp);

/* ---------------------------------------------------------------------- */
/* Digest authentication                                                   */
/* ---------------------------------------------------------------------- */

/* Digest sizes in bytes of the supported hash functions. */
#define MHD_MD5_DIGEST_SIZE 16
#define MHD_SHA256_DIGEST_SIZE 32
#define MHD_SHA512_256_DIGEST_SIZE 32

/* Hash functions (bits combined into enum MHD_DigestAuthAlgo3 values). */
enum MHD_DigestBaseAlgo {
    MHD_DIGEST_BASE_ALGO_INVALID = 0,
    MHD_DIGEST_BASE_ALGO_MD5 = 1,
    MHD_DIGEST_BASE_ALGO_SHA256 = 2,
    MHD_DIGEST_BASE_ALGO_SHA512_256 = 4
} _MHD_FIXED_FLAGS_ENUM;

/* Marker bits of enum MHD_DigestAuthAlgo3: plain or "-sess" variant. */
#define MHD_DIGEST_AUTH_ALGO3_NON_SESSION (1 << 6)
#define MHD_DIGEST_AUTH_ALGO3_SESSION (1 << 7)

/* One digest algorithm: a base hash bit plus a session marker bit. The
 * "-sess" variants are recognised but not supported for authentication. */
enum MHD_DigestAuthAlgo3 {
    MHD_DIGEST_AUTH_ALGO3_INVALID = 0,
    MHD_DIGEST_AUTH_ALGO3_MD5 = 65,
    MHD_DIGEST_AUTH_ALGO3_MD5_SESSION = 129,
    MHD_DIGEST_AUTH_ALGO3_SHA256 = 66,
    MHD_DIGEST_AUTH_ALGO3_SHA256_SESSION = 130,
    MHD_DIGEST_AUTH_ALGO3_SHA512_256 = 68,
    MHD_DIGEST_AUTH_ALGO3_SHA512_256_SESSION = 132
};

/* Digest size in bytes for "algo3", or 0 if it is not valid. */
_MHD_EXTERN size_t MHD_digest_get_hash_size(enum MHD_DigestAuthAlgo3 algo3);

/* A set of acceptable digest algorithms (any enum MHD_DigestAuthAlgo3
 * value is also a valid set of one). */
enum MHD_DigestAuthMultiAlgo3 {
    MHD_DIGEST_AUTH_MULT_ALGO3_INVALID = 0,
    MHD_DIGEST_AUTH_MULT_ALGO3_MD5 = 65,
    MHD_DIGEST_AUTH_MULT_ALGO3_MD5_SESSION = 129,
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA256 = 66,
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA256_SESSION = 130,
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA512_256 = 68,
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA512_256_SESSION = 132,
    /* SHA-256 or SHA-512/256, non-session. */
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA_ANY_NON_SESSION = 70,
    /* Any non-session algorithm. */
    MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION = 127,
    /* SHA-256 or SHA-512/256, session (not supported). */
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA_ANY_SESSION = 134,
    /* Any session algorithm (not supported). */
    MHD_DIGEST_AUTH_MULT_ALGO3_ANY_SESSION = 191,
    /* One hash, session or not (only non-session works today). */
    MHD_DIGEST_AUTH_MULT_ALGO3_MD5_ANY = 193,
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA256_ANY = 194,
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA512_256_ANY = 196,
    MHD_DIGEST_AUTH_MULT_ALGO3_SHA_ANY_ANY = 198,
    /* Anything; the library picks. */
    MHD_DIGEST_AUTH_MULT_ALGO3_ANY = 255
};

/* Write the binary "userhash" (hash of "username:realm") into userhash_bin,
 * which must hold MHD_digest_get_hash_size(algo3) bytes. MHD_NO if the
 * buffer is too small or algo3 is unsupported. */
_MHD_EXTERN enum MHD_Result MHD_digest_auth_calc_userhash(enum MHD_DigestAuthAlgo3 algo3,
                                                          const char *username, const char *realm,
                                                          void *userhash_bin, size_t bin_buf_size);

/* Same userhash as lowercase hex with a terminating NUL (needs twice the
 * hash size plus one bytes). MHD_NO on failure. */
_MHD_EXTERN enum MHD_Result MHD_digest_auth_calc_userhash_hex(enum MHD_DigestAuthAlgo3 algo3,
                                                              const char *username,
                                                              const char *realm, char *userhash_hex,
                                                              size_t hex_buf_size);

/* How the client identified the user in its Digest header. */
enum MHD_DigestAuthUsernameType {
    /* No user name at all. */
    MHD_DIGEST_AUTH_UNAME_TYPE_MISSING = 0,
    /* Plain "username" parameter. */
    MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD = 4,
    /* RFC 5987 extended "username*" parameter (decoded for you). */
    MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED = 8,
    /* "userhash" in place of the name. */
    MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH = 2,
    /* Contradictory or malformed user name parameters. */
    MHD_DIGEST_AUTH_UNAME_TYPE_INVALID = 1
} _MHD_FIXED_ENUM;

/* Quality-of-protection of a Digest exchange. */
enum MHD_DigestAuthQOP {
    /* Unknown value. */
    MHD_DIGEST_AUTH_QOP_INVALID = 0,
    /* No qop parameter (old RFC 2069 style). */
    MHD_DIGEST_AUTH_QOP_NONE = 1,
    /* qop=auth. */
    MHD_DIGEST_AUTH_QOP_AUTH = 2,
    /* qop=auth-int (not supported for authentication). */
    MHD_DIGEST_AUTH_QOP_AUTH_INT = 4
} _MHD_FIXED_FLAGS_ENUM;

/* A set of acceptable qop values. */
enum MHD_DigestAuthMultiQOP {
    MHD_DIGEST_AUTH_MULT_QOP_INVALID = 0,
    MHD_DIGEST_AUTH_MULT_QOP_NONE = 1,
    MHD_DIGEST_AUTH_MULT_QOP_AUTH = 2,
    MHD_DIGEST_AUTH_MULT_QOP_AUTH_INT = 4,
    /* "auth" or RFC 2069 style. */
    MHD_DIGEST_AUTH_MULT_QOP_ANY_NON_INT = 3,
    /* "auth" or "auth-int". */
    MHD_DIGEST_AUTH_MULT_QOP_AUTH_ANY = 6
} _MHD_FIXED_ENUM;

/* MHD_DigestAuthInfo.nc value when the client sent no valid nonce count. */
#define MHD_DIGEST_AUTH_INVALID_NC_VALUE (0)

/* Parsed client Digest "Authorization" header. One malloc()ed block
 * including all strings: release it with a single MHD_free(). */
struct MHD_DigestAuthInfo {
    /* Algorithm the client named (MD5 if it named none). */
    enum MHD_DigestAuthAlgo3 algo3;
    /* How the user was identified. */
    enum MHD_DigestAuthUsernameType uname_type;
    /* User name for STANDARD and EXTENDED types, else NULL. */
    char *username;
    /* Length of username, 0 if NULL. */
    size_t username_len;
    /* Userhash as sent (hex) for the USERHASH type, else NULL. */
    char *userhash_hex;
    /* Length of userhash_hex, 0 if NULL. */
    size_t userhash_hex_len;
    /* Userhash decoded to bytes (userhash_hex_len / 2 of them), else NULL. */
    uint8_t *userhash_bin;
    /* "opaque" parameter, or NULL. */
    char *opaque;
    /* Length of opaque, 0 if NULL. */
    size_t opaque_len;
    /* "realm" parameter, or NULL. */
    char *realm;
    /* Length of realm, 0 if NULL. */
    size_t realm_len;
    /* "qop" parameter. */
    enum MHD_DigestAuthQOP qop;
    /* Length of the "cnonce" parameter as sent. */
    size_t cnonce_len;
    /* Nonce count, or MHD_DIGEST_AUTH_INVALID_NC_VALUE. */
    uint32_t nc;
};

/* Parse the request's Digest header. Returns NULL if there is no valid one;
 * free the result with MHD_free(). */
_MHD_EXTERN struct MHD_DigestAuthInfo *
MHD_digest_auth_get_request_info3(struct MHD_Connection *connection);

/* The user-identifying part of struct MHD_DigestAuthInfo (same first
 * members). One block; release with MHD_free(). */
struct MHD_DigestAuthUsernameInfo {
    /* Algorithm the client named (MD5 if it named none). */
    enum MHD_DigestAuthAlgo3 algo3;
    /* STANDARD, EXTENDED or USERHASH. */
    enum MHD_DigestAuthUsernameType uname_type;
    /* User name for STANDARD and EXTENDED types, else NULL. */
    char *username;
    /* Length of username, 0 if NULL. */
    size_t username_len;
    /* Userhash as sent (hex) for the USERHASH type, else NULL. */
    char *userhash_hex;
    /* Length of userhash_hex, 0 if NULL. */
    size_t userhash_hex_len;
    /* Userhash decoded to bytes, else NULL. */
    uint8_t *userhash_bin;
};

/* The user name or userhash from the Digest header; NULL if missing or
 * invalid. Free the result with MHD_free(). */
_MHD_EXTERN struct MHD_DigestAuthUsernameInfo *
MHD_digest_auth_get_username3(struct MHD_Connection *connection);

/* Outcome of a Digest check: MHD_DAUTH_OK, or zero / negative on failure. */
enum MHD_DigestAuthResult {
    /* Authenticated. */
    MHD_DAUTH_OK = 1,
    /* Internal error such as out of memory. */
    MHD_DAUTH_ERROR = 0,
    /* No Digest header, or it is malformed or incomplete. */
    MHD_DAUTH_WRONG_HEADER = -1,
    /* Different user name. */
    MHD_DAUTH_WRONG_USERNAME = -2,
    /* Different realm. */
    MHD_DAUTH_WRONG_REALM = -3,
    /* The "uri" parameter does not match the request. */
    MHD_DAUTH_WRONG_URI = -4,
    /* Unacceptable qop. */
    MHD_DAUTH_WRONG_QOP = -5,
    /* Unacceptable algorithm. */
    MHD_DAUTH_WRONG_ALGO = -6,
    /* A parameter is too large to process. */
    MHD_DAUTH_TOO_LARGE = -15,
    /* The nonce expired or its count is too high: ask again with stale=true. */
    MHD_DAUTH_NONCE_STALE = -17,
    /* The nonce was issued under other bind conditions (see
     * MHD_OPTION_DIGEST_AUTH_NONCE_BIND_TYPE). */
    MHD_DAUTH_NONCE_OTHER_COND = -18,
    /* The nonce was not issued by this server. */
    MHD_DAUTH_NONCE_WRONG = -33,
    /* The response hash is wrong (usually a wrong password). */
    MHD_DAUTH_RESPONSE_WRONG = -34
};

/*
 * Check the request's Digest credentials against "username"/"password" in
 * "realm". nonce_timeout (seconds) and max_nc of 0 mean the daemon's
 * defaults; mqop and malgo3 list what is acceptable.
 */
_MHD_EXTERN enum MHD_DigestAuthResult
MHD_digest_auth_check3(struct MHD_Connection *connection, const char *realm, const char *username,
                       const char *password, unsigned int nonce_timeout, uint32_t max_nc,
                       enum MHD_DigestAuthMultiQOP mqop, enum MHD_DigestAuthMultiAlgo3 malgo3);

/* Write the binary hash of "username:realm:password" into userdigest_bin
 * (MHD_digest_get_hash_size(algo3) bytes). MHD_NO on failure. */
_MHD_EXTERN enum MHD_Result MHD_digest_auth_calc_userdigest(enum MHD_DigestAuthAlgo3 algo3,
                                                            const char *username, const char *realm,
                                                            const char *password,
                                                            void *userdigest_bin,
                                                            size_t bin_buf_size);

/* MHD_digest_auth_check3() with a precomputed userdigest instead of the
 * password; malgo3 must name a single base hash matching its size. */
_MHD_EXTERN enum MHD_DigestAuthResult MHD_digest_auth_check_digest3(
    struct MHD_Connection *connection, const char *realm, const char *username,
    const void *userdigest, size_t userdigest_size, unsigned int nonce_timeout, uint32_t max_nc,
    enum MHD_DigestAuthMultiQOP mqop, enum MHD_DigestAuthMultiAlgo3 malgo3);

/*
 * Add a Digest challenge ("WWW-Authenticate") to "response" and queue it
 * with status 401. "opaque" and "domain" may be NULL; signal_stale adds
 * stale=true; userhash_support and prefer_utf8 add those parameters. The
 * response is modified: do not reuse it for other replies. MHD_NO on error.
 */
_MHD_EXTERN enum MHD_Result MHD_queue_auth_required_response3(
    struct MHD_Connection *connection, const char *realm, const char *opaque, const char *domain,
    struct MHD_Response *response, int signal_stale, enum MHD_DigestAuthMultiQOP mqop,
    enum MHD_DigestAuthMultiAlgo3 algo, int userhash_support, int prefer_utf8);

/* Clear-text user name from the Digest header (userhash not supported);
 * NULL if none. Free the result with MHD_free(). */
_MHD_EXTERN char *MHD_digest_auth_get_username(struct MHD_Connection *connection);

/* Algorithm choice of the legacy digest functions. */
enum MHD_DigestAuthAlgorithm {
    /* Library default (MD5). */
    MHD_DIGEST_ALG_AUTO = 0,
    MHD_DIGEST_ALG_MD5 = 1,
    MHD_DIGEST_ALG_SHA256 = 2
} _MHD_FIXED_ENUM;

/* Legacy check with a password and a given algorithm. Returns MHD_YES,
 * MHD_NO or MHD_INVALID_NONCE. Prefer MHD_digest_auth_check3(). */
_MHD_EXTERN int MHD_digest_auth_check2(struct MHD_Connection *connection, const char *realm,
                                       const char *username, const char *password,
                                       unsigned int nonce_timeout,
                                       enum MHD_DigestAuthAlgorithm algo);

/* Legacy MD5 check with a password. Returns MHD_YES, MHD_NO or
 * MHD_INVALID_NONCE. Prefer MHD_digest_auth_check3(). */
_MHD_EXTERN int MHD_digest_auth_check(struct MHD_Connection *connection, const char *realm,
                                      const char *username, const char *password,
                                      unsigned int nonce_timeout);

/* Legacy check with a precomputed userdigest of "digest_size" bytes.
 * Returns MHD_YES, MHD_NO or MHD_INVALID_NONCE. */
_MHD_EXTERN int MHD_digest_auth_check_digest2(struct MHD_Connection *connection, const char *realm,
                                              const char *username, const uint8_t *digest,
                                              size_t digest_size, unsigned int nonce_timeout,
                                              enum MHD_DigestAuthAlgorithm algo);

/* Legacy MD5 check with a precomputed userdigest. Returns MHD_YES, MHD_NO or
 * MHD_INVALID_NONCE. */
_MHD_EXTERN int MHD_digest_auth_check_digest(struct MHD_Connection *connection, const char *realm,
                                             const char *username,
                                             const uint8_t digest[MHD_MD5_DIGEST_SIZE],
                                             unsigned int nonce_timeout);

/* Legacy Digest challenge with the given algorithm; modifies and queues
 * "response" with status 401. MHD_NO on error. */
_MHD_EXTERN enum MHD_Result MHD_queue_auth_fail_response2(struct MHD_Connection *connection,
                                                          const char *realm, const char *opaque,
                                                          struct MHD_Response *response,
                                                          int signal_stale,
                                                          enum MHD_DigestAuthAlgorithm algo);

/* Legacy MD5 Digest challenge; modifies and queues "response" with status
 * 401. MHD_NO on error. */
_MHD_EXTERN enum MHD_Result MHD_queue_auth_fail_response(struct MHD_Connection *connection,
                                                         const char *realm, const char *opaque,
                                                         struct MHD_Response *response,
                                                         int signal_stale);

/* ---------------------------------------------------------------------- */
/* Basic authentication                                                    */
/* ---------------------------------------------------------------------- */

/* Decoded Basic credentials. One malloc()ed block including the strings:
 * release it with a single MHD_free(). */
struct MHD_BasicAuthInfo {
    /* User name (never NULL; may contain NUL bytes, see the length). */
    char *username;
    /* Length of username. */
    size_t username_len;
    /* Password, or NULL if the client sent no ':' separator. */
    char *password;
    /* Length of password, 0 if NULL. */
    size_t password_len;
};

/* Decode the request's Basic "Authorization" header. NULL if there is no
 * valid one; free the result with MHD_free(). */
_MHD_EXTERN struct MHD_BasicAuthInfo *
MHD_basic_auth_get_username_password3(struct MHD_Connection *connection);

/* Add a Basic challenge for "realm" (with charset="UTF-8" if prefer_utf8)
 * to "response" and queue it with status 401. MHD_NO on error. */
_MHD_EXTERN enum MHD_Result
MHD_queue_basic_auth_required_response3(struct MHD_Connection *connection, const char *realm,
                                        int prefer_utf8, struct MHD_Response *response);

/* Legacy Basic decoding: returns the user name and stores the password in
 * *password (if not NULL); both must be freed with MHD_free(). NULL if none. */
_MHD_EXTERN char *MHD_basic_auth_get_username_password(struct MHD_Connection *connection,
                                                       char **password);

/* Legacy Basic challenge for "realm"; modifies and queues "response" with
 * status 401. MHD_NO on error. */
_MHD_EXTERN enum MHD_Result MHD_queue_basic_auth_fail_response(struct MHD_Connection *connection,
                                                               const char *realm,
                                                               struct MHD_Response *response);

/* ---------------------------------------------------------------------- */
/* Information queries                                                     */
/* ---------------------------------------------------------------------- */

/* Information about a connection (no extra arguments for any selector).
 * The result is owned by the library and valid until the next query or the
 * connection's end. NULL if not available. */
_MHD_EXTERN const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *connection, enum MHD_ConnectionInfoType info_type,
                        ...);

/* Per-connection settings for MHD_set_connection_option(). */
enum MHD_CONNECTION_OPTION {
    /* Followed by (unsigned int) idle timeout in seconds; 0 = none. */
    MHD_CONNECTION_OPTION_TIMEOUT = 0
} _MHD_FIXED_ENUM;

/* Change a setting of one connection. MHD_NO on failure. */
_MHD_EXTERN enum MHD_Result MHD_set_connection_option(struct MHD_Connection *connection,
                                                      enum MHD_CONNECTION_OPTION option, ...);

/* Information about a daemon (no extra arguments for any selector). The
 * result is owned by the library. NULL if not available. */
_MHD_EXTERN const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                            enum MHD_DaemonInfoType info_type, ...);

/* Library version as a static string, e.g. "1.0.1". */
_MHD_EXTERN const char *MHD_get_version(void);

/* Library version in the MHD_VERSION format. */
_MHD_EXTERN uint32_t MHD_get_version_bin(void);

/* Build-time features that MHD_is_feature_supported() reports on. */
enum MHD_FEATURE {
    /* Error messages can be logged. */
    MHD_FEATURE_MESSAGES = 1,
    /* HTTPS (MHD_USE_TLS and the HTTPS options). */
    MHD_FEATURE_TLS = 2,
    MHD_FEATURE_SSL = 2,
    /* MHD_OPTION_HTTPS_CERT_CALLBACK. */
    MHD_FEATURE_HTTPS_CERT_CALLBACK = 3,
    /* IPv6 sockets. */
    MHD_FEATURE_IPv6 = 4,
    /* IPv6-only sockets (without IPv4 mapping). */
    MHD_FEATURE_IPv6_ONLY = 5,
    /* poll(). */
    MHD_FEATURE_POLL = 6,
    /* epoll. */
    MHD_FEATURE_EPOLL = 7,
    /* Shutting down the listen socket wakes the polling threads. */
    MHD_FEATURE_SHUTDOWN_LISTEN_SOCKET = 8,
    /* A socket pair (rather than a pipe or eventfd) is the wake-up channel. */
    MHD_FEATURE_SOCKETPAIR = 9,
    /* TCP Fast Open. */
    MHD_FEATURE_TCP_FASTOPEN = 10,
    /* Basic authentication. */
    MHD_FEATURE_BASIC_AUTH = 11,
    /* Digest authentication. */
    MHD_FEATURE_DIGEST_AUTH = 12,
    /* POST processor. */
    MHD_FEATURE_POSTPROCESSOR = 13,
    /* Encrypted private keys (MHD_OPTION_HTTPS_KEY_PASSWORD). */
    MHD_FEATURE_HTTPS_KEY_PASSWORD = 14,
    /* Files and offsets beyond 2 GiB. */
    MHD_FEATURE_LARGE_FILE = 15,
    /* Threads get names. */
    MHD_FEATURE_THREAD_NAMES = 16,
    MHD_THREAD_NAMES = 16,
    /* HTTP "Upgrade". */
    MHD_FEATURE_UPGRADE = 17,
    /* One file FD can back several responses used concurrently. */
    MHD_FEATURE_RESPONSES_SHARED_FD = 18,
    /* MHD_DAEMON_INFO_BIND_PORT finds the real port. */
    MHD_FEATURE_AUTODETECT_BIND_PORT = 19,
    /* SIGPIPE is suppressed automatically. */
    MHD_FEATURE_AUTOSUPPRESS_SIGPIPE = 20,
    /* sendfile() is used for file responses on plain connections. */
    MHD_FEATURE_SENDFILE = 21,
    /* Threads are available. */
    MHD_FEATURE_THREADS = 22,
    /* MHD_OPTION_HTTPS_CERT_CALLBACK2. */
    MHD_FEATURE_HTTPS_CERT_CALLBACK2 = 23,
    /* Cookie headers are parsed into MHD_COOKIE_KIND values. */
    MHD_FEATURE_HTTPS_COOKIE_PARSING = 24,
    /* RFC 2069 (no qop) Digest mode. */
    MHD_FEATURE_DIGEST_AUTH_RFC2069 = 25,
    /* MD5 for Digest. */
    MHD_FEATURE_DIGEST_AUTH_MD5 = 26,
    /* SHA-256 for Digest. */
    MHD_FEATURE_DIGEST_AUTH_SHA256 = 27,
    /* SHA-512/256 for Digest. */
    MHD_FEATURE_DIGEST_AUTH_SHA512_256 = 28,
    /* qop=auth-int. */
    MHD_FEATURE_DIGEST_AUTH_AUTH_INT = 29,
    /* "-sess" algorithms. */
    MHD_FEATURE_DIGEST_AUTH_ALGO_SESSION = 30,
    /* Digest userhash. */
    MHD_FEATURE_DIGEST_AUTH_USERHASH = 31,
    /* Some hash comes from an external library and may fail at run time. */
    MHD_FEATURE_EXTERN_HASH = 32,
    /* Debug build with assertions. */
    MHD_FEATURE_DEBUG_BUILD = 33,
    /* MHD_OPTION_APP_FD_SETSIZE may differ from the build's FD_SETSIZE. */
    MHD_FEATURE_FLEXIBLE_FD_SETSIZE = 34
};

/* MHD_YES if this build supports "feature"; MHD_NO if not or unknown. */
_MHD_EXTERN enum MHD_Result MHD_is_feature_supported(enum MHD_FEATURE feature);

/* ---------------------------------------------------------------------- */
/* Utilities                                                               */
/* ---------------------------------------------------------------------- */

/* Release memory that an API function documents as "free with MHD_free()". */
_MHD_EXTERN void MHD_free(void *ptr);

/* Standard reason phrase for a status code (e.g. "Not Found"), or
 * "Unknown". The string is static. */
_MHD_EXTERN const char *MHD_get_reason_phrase_for(unsigned int code);

/* Length of MHD_get_reason_phrase_for(code), or 0 for unknown codes. */
_MHD_EXTERN size_t MHD_get_reason_phrase_len_for(unsigned int code);

#ifdef __cplusplus
}
#endif

#endif /* MHD_MICROHTTPD_H */
