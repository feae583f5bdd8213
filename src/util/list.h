/* Intrusive doubly-linked lists.
 *
 * A struct mhd_link is embedded in the element; a struct mhd_list is the
 * head. The head is a sentinel, so insertion and removal never branch on
 * emptiness. An element may sit in several lists through several links. */
#ifndef MHD_UTIL_LIST_H
#define MHD_UTIL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct mhd_link {
    struct mhd_link *prev;
    struct mhd_link *next;
};

struct mhd_list {
    struct mhd_link head;
};

#define mhd_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void mhd_list_init(struct mhd_list *l)
{
    l->head.prev = &l->head;
    l->head.next = &l->head;
}

/* A link that is in no list points at itself; this makes "is it linked?" a
 * cheap test and removal idempotent. */
static inline void mhd_link_init(struct mhd_link *k)
{
    k->prev = k;
    k->next = k;
}

static inline bool mhd_link_is_linked(const struct mhd_link *k)
{
    return k->next != k;
}

static inline bool mhd_list_is_empty(const struct mhd_list *l)
{
    return l->head.next == &l->head;
}

static inline void mhd_list_push_back(struct mhd_list *l, struct mhd_link *k)
{
    k->prev = l->head.prev;
    k->next = &l->head;
    l->head.prev->next = k;
    l->head.prev = k;
}

static inline void mhd_list_push_front(struct mhd_list *l, struct mhd_link *k)
{
    k->next = l->head.next;
    k->prev = &l->head;
    l->head.next->prev = k;
    l->head.next = k;
}

static inline void mhd_list_remove(struct mhd_link *k)
{
    k->prev->next = k->next;
    k->next->prev = k->prev;
    mhd_link_init(k);
}

static inline struct mhd_link *mhd_list_first(const struct mhd_list *l)
{
    return l->head.next == &l->head ? NULL : l->head.next;
}

static inline struct mhd_link *mhd_list_next(const struct mhd_list *l, const struct mhd_link *k)
{
    return k->next == &l->head ? NULL : k->next;
}

/* Moves all elements of `from` to the end of `to`, leaving `from` empty. */
static inline void mhd_list_splice_back(struct mhd_list *to, struct mhd_list *from)
{
    if (mhd_list_is_empty(from))
        return;
    struct mhd_link *first = from->head.next;
    struct mhd_link *last = from->head.prev;
    first->prev = to->head.prev;
    to->head.prev->next = first;
    last->next = &to->head;
    to->head.prev = last;
    mhd_list_init(from);
}

#endif
