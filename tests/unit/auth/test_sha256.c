/* SHA-256: the FIPS 180-4 example messages, lengths around the block and
 * padding boundaries, every split, one million 'a'. */
#include "hash_common.h"

#include "auth/hash.h"

static void w_init(void *c)
{
    mhd_sha256_init(c);
}

static void w_update(void *c, const void *d, size_t n)
{
    mhd_sha256_update(c, d, n);
}

static void w_finish(void *c, uint8_t *out)
{
    mhd_sha256_finish(c, out);
}

static const struct hash_api api = {
    "SHA-256", 32, sizeof(struct mhd_sha256), w_init, w_update, w_finish, mhd_sha256,
};

/* The one-block, two-block (448-bit) and 896-bit examples. */
static const struct str_vector fips[] = {
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
     "nopqrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
};

/* Computed with python3 hashlib over make_msg(). */
static const struct len_vector lengths[] = {
    {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {1, "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5"},
    {3, "6ab0dba1f4f1dfbb37b4f9eeb092c09fca4900ad32bdcd147d8dde35d6c87c35"},
    {55, "1deace58c745f3ecadde68a5923f494c3703fa73f0306483ccb898a5826e8d70"},
    {56, "06dbe23685750e4d3881ded95047abaf93fa8f9c5d3501dc57c717a72ff1398e"},
    {57, "011f4bced20a249afb834d24b3e4eca31ad5ea2bdd1d8a1a564c2d2410398e69"},
    {63, "47fb38b12335c9298d09280515c0666489a189d1554bb0ac1a0740806ce9d8b6"},
    {64, "dfa798724b1a8014994f363e5da7474ed26ce3757fb29e07aa47ad5a9352d37b"},
    {65, "dd2eab5a5507d7717c63ce953d9ac61752c21e664425ad1227054722a0d97f69"},
    {111, "2ea239204423b890039a115a62d44a1b1c37675a784f5c6a9b786e9fca4c4cee"},
    {112, "ab7909f0b44839b4f374c4e5974bc1dd7c50eae999602865138f9e3586da29c2"},
    {113, "a6e4d45701eb914359bd05a6d4e54019862393282a6c220158faabc217a327bc"},
    {119, "c6e0f435df5d7d265baacca31e0602c00aa22fa6d3819aed664649294c743756"},
    {120, "17eb8960823a644bde3065620bb9d45931fe8993fd8eb692a17aff0fd725db6a"},
    {127, "2409a159329f4e770a7d8128130497abb1de01ffb6ad389d97d89ebbeeb7f02c"},
    {128, "3a9c1e22e20578eebe442238f431befd688bd56698eb7c77d95d3f97d8f58207"},
    {129, "956f5da998f608be52587f28902b608909b661f99a1b300e3d3046b4f69f6fb5"},
    {255, "25708de2a70cc8f1562d45807a420ba115cc2e05c9cba175dee089af80f65a29"},
    {256, "5b1eaad64c2d253d58ed69ccef0eceaf5175bf9ecb153a21b72c429f6fb788e8"},
    {257, "b8e58f6287c8cbe1f4d5c553c4a16d26d8ec1cdee2fd8f70c4df685fb24ac1f6"},
    {1000, "a9425c416f534025a4e2422bd14adba4ec3d4a68d10c3329be8df612964d2b6e"},
};

int main(void)
{
    check_strings(&api, fips, sizeof(fips) / sizeof(fips[0]));
    check_lengths(&api, lengths, sizeof(lengths) / sizeof(lengths[0]));
    check_splits(&api);
    check_million(&api, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    print_speed(&api);
    return check_done();
}
