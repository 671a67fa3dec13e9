/* shard.h: the update step's data, in shards. A shard holds some of the
 * distinct words (their frequency and current tokens) and the part of the
 * inverted index (pair -> words) that points into them. Each merge it
 * rewrites its own words that hold the chosen pair and reports one count
 * delta per pair it changed, with the id of each pair its words lost; the
 * merge loop adds the shards' deltas into the pair table. A shard writes
 * nothing but itself while it merges, and reads only the pair index, which
 * changes between merges, so U shards can run on U threads (update.h).
 *
 * Why the index needs no locking and stays bounded: only pairs holding the
 * new token gain words, so a pair's word list is written once, in the step
 * that creates the pair, and read once, in the step that merges it. A list
 * never has duplicates; a stale entry (a word that lost the pair since) is
 * read at most once. */
#ifndef SHARD_H
#define SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "count.h"
#include "pairindex.h"
#include "vocab.h"

/* The update's work, summed over the run (per merge: divide by merges).
 * Every update strategy counts the same things, so these are the yardstick
 * the strategies are compared by. */
struct update_counters {
    uint64_t index_reads;   /* inverted-index entries read (pair -> word) */
    uint64_t index_stale;   /* of them: the word no longer held the pair */
    uint64_t words_visited; /* words whose tokens were scanned */
    uint64_t pair_changes;  /* elementary pair-count changes, one per +f or -f */
    uint64_t net_changes;   /* pairs whose count changed in a merge: what the
                               backend hears (count_changed calls) */
};

/* A step's short lists share one allocation, a block, freed when the last
 * of them has been read or dropped: one malloc a step instead of one per
 * new pair (most new pairs are in a few words). A long list has a block of
 * its own. The shard keeps every live block in a table (struct shard's
 * blocks), so that shard_free frees the blocks themselves instead of
 * walking every list ever filed: at the end of a training on mail at vocab
 * 30000, 511,620 lists never read, in some 30,000 blocks. */
struct list_block {
    uint32_t refs;        /* lists in the block not yet released */
    uint32_t slot;        /* its place in the shard's table of blocks */
    uint32_t w[];
};

/* 16 bytes: the index holds one for every pair ever made, and on this
 * kind of machine memory touched for the first time is dear. */
struct word_list {
    uint32_t *w;          /* the shard's words by position in tok, ascending */
    uint32_t n;
    uint32_t in_block;    /* w's offset in its block's w[] + 1 */
};

/* A word that gained a new pair in this step, before the lists are cut. */
struct shard_gain {
    uint32_t delta, word;
};

/* The kinds of neighbour pair an occurrence of (a, b) changes, by the
 * neighbouring token: (L, a) and (b, R) lose, (L, t) and (t, R) gain. In
 * one step (kind, token) names one pair, so the merge loop can find the id
 * of the pair the shards share without hashing it once per shard. */
enum shard_kind { LEFT_OLD, RIGHT_OLD, LEFT_NEW, RIGHT_NEW, SHARD_KINDS };

/* One pair's net change in one shard and one step. */
struct shard_delta {
    uint32_t a, b;
    uint32_t kind, tok;   /* how the step found it; kind SHARD_KINDS: otherwise */
    int64_t delta;
    uint32_t id;          /* the pair's stable id: a lost pair's found by the
                             shard, a new one's set by the merge loop, or
                             PAIR_NONE when it did not keep the pair */
    struct word_list words; /* words that gained the pair (new pairs only) */
    uint32_t last_word;   /* the last word counted in words.n (0: none) */
};

/* Per token: a number of this step for each kind of pair with that token
 * ((token, a), (b, token), (token, t), (t, token)), plus 1; 0 for none yet.
 * Whoever sets an entry clears it once the step is done with it, so no
 * stamps are needed and a table of them takes 16 bytes a token: the shard's
 * says where its delta of the pair is, the merge loop's the pair's id. */
struct token_kinds {
    uint32_t at[SHARD_KINDS];
};

/* On cache lines of its own: a shard's lengths and counters change on
 * every word it merges, and with U threads a neighbour sharing their line
 * would make the two cores take it from each other all merge long. */
struct shard {
    uint32_t n_words;
    uint64_t *start;      /* where word i's tokens begin in tok */
    uint32_t *tok;        /* each word: frequency, length, tokens (shard.c) */
    struct word_list *index; /* by stable pair id */
    uint32_t n_index;
    struct shard_delta *d;   /* this step's deltas; d[0] is the chosen pair's */
    uint32_t n_d, cap_d;
    struct shard_gain *gain; /* this step's gains, in the order they came */
    size_t n_gain, cap_gain;
    struct token_kinds *at;  /* by token id: where this step's deltas are */
    uint32_t n_at;
    struct list_block **blocks; /* the live blocks by slot, NULL where freed */
    uint32_t n_blocks, cap_blocks;
    uint32_t *free_slots;    /* slots of freed blocks, for the next ones */
    uint32_t n_free;
    struct update_counters c; /* net_changes stays 0: the merge loop counts those */
} __attribute__((aligned(64)));

/* What every shard is asked to do in one merge. */
struct shard_merge {
    uint32_t chosen;      /* stable id of (a, b) */
    uint32_t a, b, t;     /* t: the new token */
    uint64_t words;       /* entries of the pair's word lists, all shards */
    const struct pair_index *index; /* the ids of the step's old pairs; only read
                                       while the shards merge (pairindex.h) */
};

/* Shard i of n holds the words w with w % n == i (so every shard gets its
 * share of the frequent and the rare ones). Its tokens are laid out by up
 * to `threads` threads (fewer for few words), each a run of its words. */
void shard_build(struct shard *s, const struct word_counts *wc, const struct vocab *v,
                 unsigned i, unsigned n, unsigned threads);
void shard_free(struct shard *s);
/* Deltas for every adjacent pair of every word: the initial pair counts,
 * counted by up to `threads` threads. Every token is a byte's then (x:
 * the pair index, for the byte of each token and the token of each byte);
 * the deltas come in the order of their bytes, whatever the threads. */
void shard_count_initial(struct shard *s, const struct pair_index *x, unsigned threads);
/* Files the word lists of the previous step's deltas under their ids, then
 * merges m in every word of this shard that holds (a, b). */
void shard_apply(struct shard *s, const struct shard_merge *m);

#endif
