/* MD5: the RFC 1321 test suite, lengths around the block and padding
 * boundaries, every split, one million 'a'. */
#include "hash_common.h"

#include "auth/hash.h"

static void w_init(void *c)
{
    mhd_md5_init(c);
}

static void w_update(void *c, const void *d, size_t n)
{
    mhd_md5_update(c, d, n);
}

static void w_finish(void *c, uint8_t *out)
{
    mhd_md5_finish(c, out);
}

static const struct hash_api api = {
    "MD5", 16, sizeof(struct mhd_md5), w_init, w_update, w_finish, mhd_md5,
};

/* RFC 1321 appendix A.5. */
static const struct str_vector rfc1321[] = {
    {"", "d41d8cd98f00b204e9800998ecf8427e"},
    {"a", "0cc175b9c0f1b6a831c399e269772661"},
    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
     "d174ab98d277d9f5a5611c2c9f419d9f"},
    {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
     "57edf4a22be3c955ac49da2e2107b67a"},
};

/* Computed with python3 hashlib over make_msg(). */
static const struct len_vector lengths[] = {
    {0, "d41d8cd98f00b204e9800998ecf8427e"},    {1, "8666683506aacd900bbd5a74ac4edf68"},
    {3, "c9aee4810523ef8658121b8d492c6b41"},    {55, "030157be00035d098644cfc70e5deaea"},
    {56, "8e758df1ec8681fc06daa64253668f13"},   {57, "7cc4dbe44c422ac3e98466e4ff92bb95"},
    {63, "4a805576b511a836fefee199fb797ae5"},   {64, "7a0cbe2eab91195c56eae7f83588d243"},
    {65, "940b4e909b09d4828b0eebe642613192"},   {111, "3f17e9ea336d7f96b3f0db1936b91946"},
    {112, "96ae39552a91e0215646c5ed47139e3e"},  {113, "12570b12ad856c05079649e4a9c83e1d"},
    {119, "c78b1987e67f5f382adb7de5fed3e55e"},  {120, "4bebaf2293f8b2e434f1a4f024eea593"},
    {127, "72a9cc53dbae65d0146d626d46f6fb74"},  {128, "087b965e51e4b1200ebfd13e9761caa5"},
    {129, "ed0fec46be329a097e88d7e3a1643f35"},  {255, "e8c569c060472d78e05853052ff5b999"},
    {256, "14fb92668585e6a414cc47d4e9108f62"},  {257, "4f937ffae5bcb1c65cd56a70caabe110"},
    {1000, "c90582fbbeb1275142915b85da61ade9"},
};

int main(void)
{
    check_strings(&api, rfc1321, sizeof(rfc1321) / sizeof(rfc1321[0]));
    check_lengths(&api, lengths, sizeof(lengths) / sizeof(lengths[0]));
    check_splits(&api);
    check_million(&api, "7707d6ae4e027c70eea2a935c2296f21");
    print_speed(&api);
    return check_done();
}
