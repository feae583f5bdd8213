/* SHA-512/256: the NIST example values for "abc" and the 896-bit message,
 * lengths around the block and padding boundaries, every split, one
 * million 'a'. */
#include "hash_common.h"

#include "auth/hash.h"

static void w_init(void *c)
{
    mhd_sha512_256_init(c);
}

static void w_update(void *c, const void *d, size_t n)
{
    mhd_sha512_256_update(c, d, n);
}

static void w_finish(void *c, uint8_t *out)
{
    mhd_sha512_256_finish(c, out);
}

static const struct hash_api api = {
    "SHA-512/256", 32, sizeof(struct mhd_sha512_256), w_init, w_update, w_finish, mhd_sha512_256,
};

static const struct str_vector nist[] = {
    {"abc", "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
     "nopqrsmnopqrstnopqrstu",
     "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "bde8e1f9f19bb9fd3406c90ec6bc47bd36d8ada9f11880dbc8a22a7078b6a461"},
    {"", "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"},
};

/* Computed with python3 hashlib ("sha512_256") over make_msg(). */
static const struct len_vector lengths[] = {
    {0, "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"},
    {1, "05b577a248fe933b7c4cdaf4a50e9d61eb8cba9f86c4ad546ac25a0341128ed6"},
    {3, "3ebca6ae309ae6ee4154c7500c1773319fad8db1beeabcfb0f33b9544db51069"},
    {55, "45a59809792b6d48461ea58696d543339bd9f9dde4d0e419d79c619d4b994d75"},
    {56, "7d6ee5a8c0998d1da2dc529c37967a506a78397c445948144ad990f2e87943e5"},
    {57, "3e66f5a37263cacac9fc0e8d37fb47cdb0662f743fc159403a3473ee7cc4f707"},
    {63, "34b42cc67aca3d41b9110a41d77ea0399668574b6b664a5aa860d3884a871b82"},
    {64, "20baf9dcb06663ed612d34de2f4b38581e022b9c28cc31753f5d52179edb3311"},
    {65, "882fd9d9b91187fdcf72ccd2a7ca98911c9f9e241a486401644349234390cea4"},
    {111, "e3f2571d71820060e7a5653dec302336caec20f66f02c5d2e2d290ae90474f86"},
    {112, "673982b3651886f7b8d8b82616fcef070e1c604f5827edeae7611d7703b02fb6"},
    {113, "3c25bccb7de956b88a22041fd5b9d1b592ef15bf95e3ca4f382650e86b0f94a1"},
    {119, "6f1921353e2bfab903f61d2df261447a3736f4c8faa912ab2078d4960fc48c51"},
    {120, "af31ea35ce69992e47a7966f1225eb0b189a0eb2290cda59297556b5cda4ed00"},
    {127, "88299242d8942a00739e1d56c7025862f659652585499b9c21feae945150762a"},
    {128, "f1a85368d8a077085ec04bde237a54f7d37da9b338556733177351db56928826"},
    {129, "20c20a6de5fd94d9e011356d13b2a07fda987d8f32653c222a1a11e0fa29f549"},
    {255, "785b5d7ff259a81914501f9ca1f2c45f5049cf178261b190ba63fc5588e781a1"},
    {256, "c274748fd9a1528643c15124fadac345a73cc87fba143c3167f2b24035a68fbd"},
    {257, "4c95b97d755707e6a36b29b0477da1b465a473e7be8852f6549846fe3ce9408a"},
    {1000, "410e9b12911757705c6897c0036b75084d320ddad87539aa6ee31d0dd463685c"},
};

int main(void)
{
    check_strings(&api, nist, sizeof(nist) / sizeof(nist[0]));
    check_lengths(&api, lengths, sizeof(lengths) / sizeof(lengths[0]));
    check_splits(&api);
    check_million(&api, "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21");
    print_speed(&api);
    return check_done();
}
