/* The level-triggered pollers (select, poll) report every ready item in
 * turn when more are ready than one wait may report: 100 readable
 * descriptors, 64 events per wait, as the worker asks. Before the scan
 * started where the last one stopped, the same 36 were left out of every
 * wait for as long as the first 64 stayed ready (p99 of 100-240 ms with
 * 100 busy keep-alive clients in the internal select and poll modes). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "check.h"
#include "loop/poller.h"

#define ITEMS 100
#define MAX_EVENTS 64

static struct mhd_poll_item items[ITEMS];
static int fds[ITEMS];

static int index_of(const struct mhd_poll_item *it)
{
    return (int)(it - items);
}

/* `waits` waits over items that all stay ready; every wait fills the
 * array, reports each item at most once, and the counts per item differ by
 * at most one (each gets its turn). */
static void every_item_in_turn(struct mhd_poller *p, const char *name, int waits)
{
    unsigned int seen[ITEMS] = {0};
    for (int w = 0; w < waits; w++) {
        struct mhd_poll_event ev[MAX_EVENTS];
        int n = p->ops->wait(p, 0, ev, MAX_EVENTS);
        int live = p->count < MAX_EVENTS ? p->count : MAX_EVENTS;
        CHECK_MSG(n == live, "%s: wait %d reported %d of %d", name, w, n, live);
        unsigned char once[ITEMS] = {0};
        for (int i = 0; i < n; i++) {
            int k = index_of(ev[i].item);
            CHECK_MSG(k >= 0 && k < ITEMS && !once[k], "%s: item %d twice in one wait", name, k);
            CHECK(ev[i].events & MHD_POLL_IN);
            if (k >= 0 && k < ITEMS) {
                once[k] = 1;
                seen[k]++;
            }
        }
    }
    unsigned int lo = UINT32_MAX, hi = 0;
    for (int k = 0; k < ITEMS; k++) {
        if (!items[k].registered)
            continue;
        lo = seen[k] < lo ? seen[k] : lo;
        hi = seen[k] > hi ? seen[k] : hi;
    }
    CHECK_MSG(lo > 0 && hi - lo <= 1, "%s: reported between %u and %u times in %d waits", name, lo,
              hi, waits);
}

static void run(const struct mhd_poller_ops *ops)
{
    struct mhd_poller p;
    CHECK(mhd_poller_init(&p, ops));
    for (int k = 0; k < ITEMS; k++) {
        memset(&items[k], 0, sizeof(items[k]));
        items[k].fd = fds[k];
        items[k].interest = MHD_POLL_IN;
        items[k].index = -1;
        CHECK(mhd_poller_add(&p, &items[k]));
    }
    every_item_in_turn(&p, ops->name, 25);
    /* Items leave (the last slot moves into the freed one) and come back:
     * still everyone in turn. */
    for (int k = 0; k < ITEMS; k += 3)
        mhd_poller_remove(&p, &items[k]);
    every_item_in_turn(&p, ops->name, 20);
    for (int k = 0; k < ITEMS; k += 3)
        CHECK(mhd_poller_add(&p, &items[k]));
    every_item_in_turn(&p, ops->name, 25);
    /* Fewer ready than the array holds: each wait reports them all. */
    for (int k = 40; k < ITEMS; k++)
        mhd_poller_remove(&p, &items[k]);
    every_item_in_turn(&p, ops->name, 3);
    for (int k = 0; k < 40; k++)
        mhd_poller_remove(&p, &items[k]);
    mhd_poller_deinit(&p);
}

int main(void)
{
    for (int k = 0; k < ITEMS; k++) {
        fds[k] = eventfd(1, EFD_CLOEXEC); /* readable until read */
        CHECK(fds[k] >= 0);
    }
    run(&mhd_poller_select);
    run(&mhd_poller_poll);
    for (int k = 0; k < ITEMS; k++)
        close(fds[k]);
    return check_done();
}
