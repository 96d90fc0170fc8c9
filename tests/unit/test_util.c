/*
 * util: hashing against published vectors, UTF-8 counting, paths, and
 * the escaping of quoted text in messages.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "sha256.h"
#include "util.h"

static void sha256_vectors(void)
{
    char hex[65];
    struct sha256 s;
    unsigned char d[32];
    char *million = xmalloc(1000000);
    int i;

    sha256_hex("", 0, hex);
    test_str("sha256 of nothing", hex,
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    test_str("sha256 of abc", hex,
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    test_str("sha256 of the 448-bit vector", hex,
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    memset(million, 'a', 1000000);
    sha256_init(&s);
    for (i = 0; i < 1000; i++)
        sha256_update(&s, million + i * 1000, 1000);
    sha256_final(&s, d);
    sha256_hex(million, 1000000, hex);
    test_str("sha256 of a million a's, fed in pieces or whole", hex,
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

static void text(void)
{
    test_cond("utf8 length counts code points",
              util_utf8_len("h\xc3\xa9llo \xe4\xbd\xa0\xe5\xa5\xbd") == 8);
    test_cond("utf8 length refuses broken text", util_utf8_len("\xc3") == -1);
    test_cond("utf8 length refuses overlong forms",
              util_utf8_len("\xc0\xaf") == -1);
    test_cond("edit distance", util_edit_distance("vidoe", "video") == 2 &&
                                   util_edit_distance("", "abc") == 3 &&
                                   util_edit_distance("same", "same") == 0);
}

static void paths(void)
{
    char ext[8];
    char *s;

    s = util_path_join("dir", "a.mp4");
    test_str("join", s, "dir/a.mp4");
    free(s);
    s = util_path_join("dir/", "/abs/a.mp4");
    test_str("join keeps absolute names", s, "/abs/a.mp4");
    free(s);
    s = util_dirname("a.mp4");
    test_str("dirname of a bare name", s, ".");
    free(s);
    s = util_stem("x/y/clip.final.MOV");
    test_str("stem", s, "clip.final");
    free(s);
    util_ext("x/y/clip.final.MOV", ext, sizeof(ext));
    test_str("extension in lower case", ext, "mov");
}

static void clean_paths(void)
{
    static const char *const cases[][2] = {
        {"manifests/../demo-out", "demo-out"},
        {"a/./b//c/", "a/b/c"},
        {"/tmp/x/../y", "/tmp/y"},
        {"/../a", "/a"},
        {"../../a/..", "../.."},
        {"x/../../y", "../y"},
        {"a/..", "."},
        {"/", "/"},
        {"//", "/"},
    };
    char *dir = xstrdup("/tmp/dubutil.XXXXXX"), *link, *s, *want;
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(cases); i++) {
        char name[80];

        snprintf(name, sizeof(name), "clean path %s", cases[i][0]);
        s = util_path_clean(cases[i][0]);
        test_str(name, s, cases[i][1]);
        free(s);
    }
    if (!mkdtemp(dir)) {
        test_cond("a temporary folder", 0);
        free(dir);
        return;
    }
    link = xasprintf("%s/link", dir);
    test_cond("a symbolic link", symlink("/usr/share", link) == 0);
    s = xasprintf("%s/../x", link);
    want = util_path_clean(s);
    test_str("link/.. stays: the kernel climbs from the link's target", want,
             s);
    free(want);
    free(s);
    unlink(link);
    rmdir(dir);
    free(link);
    free(dir);
}

static void escapes(void)
{
    struct buf b = {0};

    buf_put_clean(&b, "id\x1b[31m\nnext\tline\r\x7f \xc2\x9b caf\xc3\xa9 \xff");
    test_str("control characters, C1 controls and broken UTF-8 are escaped",
             b.data, "id\\x1b[31m\\nnext\\tline\\r\\x7f \\u009b caf\xc3\xa9 \\xff");
    buf_release(&b);
}

int main(void)
{
    sha256_vectors();
    text();
    paths();
    clean_paths();
    escapes();
    return test_report();
}
