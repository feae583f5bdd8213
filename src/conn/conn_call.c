/* Calling the access handler at the start and at the end of a request, and
 * MHD_queue_response, which the handler calls to attach its answer. */
#include "conn/conn_internal.h"

#include "response/response.h"
#include "util/panic.h"

enum MHD_Result mhd_conn_invoke_handler(struct MHD_Connection *c, enum mhd_call_phase phase,
                                        const char *data, size_t *size)
{
    struct mhd_request *rq = &c->busy->rq;
    const struct mhd_config *cfg = c->cfg;
    rq->phase = phase;
    rq->app_seen = true;
    enum MHD_Result r = cfg->handler(cfg->handler_cls, c, rq->url, rq->head.method,
                                     rq->head.version, data, size, &rq->req_cls);
    rq->phase = CALL_NONE;
    return r;
}

bool mhd_conn_handler_result(struct MHD_Connection *c, enum MHD_Result r)
{
    if (r == MHD_YES)
        return true;
    struct mhd_send *tx = &c->busy->tx;
    if (tx->resp != NULL) {
        mhd_response_unref(tx->resp);
        tx->resp = NULL;
    }
    mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
    return false;
}

bool mhd_conn_call_handler(struct MHD_Connection *c, enum mhd_call_phase phase, const char *data,
                           size_t *size)
{
    return mhd_conn_handler_result(c, mhd_conn_invoke_handler(c, phase, data, size));
}

enum mhd_step mhd_conn_step_first_call(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    if (c->busy->tx.resp == NULL) {
        size_t zero = 0;
        if (!mhd_conn_call_handler(c, CALL_FIRST, NULL, &zero))
            return STEP_CONTINUE;
        if (c->busy->tx.resp == NULL && c->item.suspended)
            return STEP_WAIT;
    }
    if (c->busy->tx.resp != NULL) {
        /* An answer before the body was asked for: the body is never read,
         * so the connection cannot carry another request. */
        rq->early_response = true;
        rq->keep_alive = false;
        mhd_conn_begin_reply(c);
        return STEP_CONTINUE;
    }
    if (!rq->has_body)
        mhd_conn_set_state(c, CONN_FINAL_CALL);
    else if (rq->continue_due && c->rlen == c->rpos)
        mhd_conn_set_state(c, CONN_CONTINUE);
    else
        mhd_conn_set_state(c, CONN_BODY);
    return STEP_CONTINUE;
}

enum mhd_step mhd_conn_step_final_call(struct MHD_Connection *c)
{
    if (c->busy->tx.resp == NULL) {
        size_t zero = 0;
        if (!mhd_conn_call_handler(c, CALL_FINAL, NULL, &zero))
            return STEP_CONTINUE;
    }
    if (c->busy->tx.resp != NULL) {
        mhd_conn_begin_reply(c);
        return STEP_CONTINUE;
    }
    if (c->item.suspended)
        return STEP_WAIT;
    /* No answer yet: the handler is asked again on the next round. */
    mhd_conn_schedule(c);
    return STEP_WAIT;
}

static bool is_bodyless_status(unsigned int code)
{
    return code < 200 || code == 204 || code == 304;
}

/* The refusal rules of MHD_queue_response that concern the response and
 * the status code. */
static bool acceptable(const struct MHD_Connection *c, unsigned int code,
                       const struct MHD_Response *r)
{
    const struct mhd_request *rq = &c->busy->rq;
    if (code < 100 || code > 999)
        return false;
    if (c->carrier != NULL && (r->kind == BODY_UPGRADE || code == MHD_HTTP_SWITCHING_PROTOCOLS)) {
        /* HTTP/2 has no protocol upgrade (RFC 9113, 8.6). */
        mhd_cfg_log(c->cfg, "A protocol upgrade (101) cannot be queued on an HTTP/2 stream");
        return false;
    }
    bool compat10 = (r->flags & (MHD_RF_HTTP_1_0_COMPATIBLE_STRICT | MHD_RF_HTTP_1_0_SERVER)) != 0;
    if (code < 200 && (!rq->http11 || compat10))
        return false;
    if (r->kind == BODY_UPGRADE) {
        if (!(c->cfg->flags & MHD_ALLOW_UPGRADE) || code != MHD_HTTP_SWITCHING_PROTOCOLS ||
            !r->conn_upgrade || !rq->http11)
            return false;
    } else if (code == MHD_HTTP_SWITCHING_PROTOCOLS) {
        return false;
    }
    if (rq->method == METHOD_CONNECT && code >= 200 && code < 300)
        return false;
    if ((r->flags & MHD_RF_HEAD_ONLY_RESPONSE) && rq->method != METHOD_HEAD &&
        !is_bodyless_status(code))
        return false;
    return true;
}

/* Whether the application may queue now on `c`: inside the first or the
 * final handler call on the connection's own thread, or on a suspended
 * connection (from any thread), or, for the external loop, between calls
 * while the request waits in one of those two states. */
static bool queue_allowed_now(const struct MHD_Connection *c)
{
    const struct mhd_request *rq = &c->busy->rq;
    if (rq->phase == CALL_FIRST || rq->phase == CALL_FINAL)
        return c->item.suspended || mhd_worker_is_current(c->worker);
    if (rq->phase == CALL_BODY)
        return false;
    if (c->state != CONN_FIRST_CALL && c->state != CONN_FINAL_CALL)
        return false;
    return c->item.suspended || !mhd_config_has_threads(c->cfg);
}

_MHD_EXTERN enum MHD_Result MHD_queue_response(struct MHD_Connection *connection,
                                               unsigned int status_code,
                                               struct MHD_Response *response)
{
    if (connection == NULL || response == NULL)
        return MHD_NO;
    struct MHD_Connection *c = connection;
    struct mhd_busy *b = c->busy;
    if (b == NULL || b->tx.resp != NULL || !queue_allowed_now(c) || atomic_load(&c->cfg->shutdown))
        return MHD_NO;
    bool icy = (status_code & MHD_ICY_FLAG) != 0;
    unsigned int code = status_code & ~(unsigned int)MHD_ICY_FLAG;
    if (!acceptable(c, code, response))
        return MHD_NO;
    if (response->kind == BODY_PIPE) {
        /* A pipe can be read once: the response serves one request only. */
        pthread_mutex_lock(&response->lock);
        bool used = response->pipe_used;
        response->pipe_used = true;
        pthread_mutex_unlock(&response->lock);
        if (used)
            return MHD_NO;
    }
    mhd_response_ref(response);
    b->tx.resp = response;
    b->tx.status = code;
    b->tx.icy = icy;
    return MHD_YES;
}
