#!/bin/sh
# Makes the TLS test credentials with certtool (gnutls-bin) into DIR, once
# per build (make runs it before the tests; nothing is committed):
#
#   ca.pem ca.key            root CA
#   inter.pem inter.key      intermediate CA, signed by the root
#   server.pem server.key    ECDSA server certificate for localhost,
#                            127.0.0.1 and ::1, signed by the intermediate
#   server-chain.pem         server.pem followed by inter.pem
#   server-enc.key           server.key encrypted (PKCS#8) with the
#                            password in key-password.txt
#   rsa.pem rsa.key          RSA server certificate (for DHE-RSA), signed by
#                            the root
#   sni-a.pem sni-a.key      certificates for the server names a.test and
#   sni-b.pem sni-b.key      b.test, signed by the root
#   client-ca.pem .key       CA for client certificates
#   client.pem client.key    client certificate "CN=test client", signed by it
#   rogue.pem rogue.key      self-signed client certificate nobody trusts
#   dh.pem                   PKCS#3 DH parameters (RFC 7919, 3072 bits: not
#                            what GnuTLS picks by itself, so their use shows)
#   psk.txt                  a random 32-byte PSK as hex
# Usage: tests/scripts/mkcerts.sh DIR
set -e
dir=$1
[ -n "$dir" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"
rm -f ./*.pem ./*.key ./*.tmpl ./*.txt ./*.bin

ecdsa() { certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$1" 2>/dev/null; }
tmpl() { printf '%s\n' "$@" >cert.tmpl; }

ecdsa ca.key
tmpl 'cn = "Test Root CA"' 'ca' 'cert_signing_key' 'crl_signing_key' 'expiration_days = 30'
certtool --generate-self-signed --load-privkey ca.key --template cert.tmpl --outfile ca.pem 2>/dev/null

ecdsa inter.key
tmpl 'cn = "Test Intermediate CA"' 'ca' 'cert_signing_key' 'expiration_days = 30'
certtool --generate-certificate --load-privkey inter.key --load-ca-certificate ca.pem \
    --load-ca-privkey ca.key --template cert.tmpl --outfile inter.pem 2>/dev/null

ecdsa server.key
tmpl 'cn = "localhost"' 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' 'ip_address = "::1"' \
    'tls_www_server' 'signing_key' 'encryption_key' 'expiration_days = 30'
certtool --generate-certificate --load-privkey server.key --load-ca-certificate inter.pem \
    --load-ca-privkey inter.key --template cert.tmpl --outfile server.pem 2>/dev/null
cat server.pem inter.pem >server-chain.pem

echo "correct horse battery" >key-password.txt
certtool --to-p8 --load-privkey server.key --password "correct horse battery" \
    --outfile server-enc.key 2>/dev/null

certtool --generate-privkey --key-type rsa --bits 2048 --outfile rsa.key 2>/dev/null
tmpl 'cn = "localhost"' 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' 'tls_www_server' \
    'signing_key' 'encryption_key' 'expiration_days = 30'
certtool --generate-certificate --load-privkey rsa.key --load-ca-certificate ca.pem \
    --load-ca-privkey ca.key --template cert.tmpl --outfile rsa.pem 2>/dev/null

for n in a b; do
    ecdsa "sni-$n.key"
    tmpl "cn = \"$n.test\"" "dns_name = \"$n.test\"" 'tls_www_server' 'signing_key' \
        'expiration_days = 30'
    certtool --generate-certificate --load-privkey "sni-$n.key" --load-ca-certificate ca.pem \
        --load-ca-privkey ca.key --template cert.tmpl --outfile "sni-$n.pem" 2>/dev/null
done

ecdsa client-ca.key
tmpl 'cn = "Test Client CA"' 'ca' 'cert_signing_key' 'expiration_days = 30'
certtool --generate-self-signed --load-privkey client-ca.key --template cert.tmpl \
    --outfile client-ca.pem 2>/dev/null
ecdsa client.key
tmpl 'cn = "test client"' 'tls_www_client' 'signing_key' 'expiration_days = 30'
certtool --generate-certificate --load-privkey client.key --load-ca-certificate client-ca.pem \
    --load-ca-privkey client-ca.key --template cert.tmpl --outfile client.pem 2>/dev/null
ecdsa rogue.key
tmpl 'cn = "rogue client"' 'tls_www_client' 'signing_key' 'expiration_days = 30'
certtool --generate-self-signed --load-privkey rogue.key --template cert.tmpl \
    --outfile rogue.pem 2>/dev/null

certtool --get-dh-params --sec-param high 2>/dev/null | sed -n '/-----BEGIN/,/-----END/p' >dh.pem

# 32 bytes from the kernel's generator, as hex (what gnutls-cli --pskkey takes).
od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >psk.txt
rm -f cert.tmpl
