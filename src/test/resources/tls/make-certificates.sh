#!/usr/bin/env bash
# Makes the tests' certificates: a test CA, the server's certificate and a second one from the
# same CA with another serial (rotation), a client certificate (mutual TLS), and a CA and client
# of their own that the server must not trust. EC P-256, valid for 100 years: the tests never
# depend on the date. Run from this directory; the files are committed, so the build needs no
# openssl (the tests that drive `openssl s_client` do).
set -euo pipefail
cd "$(dirname "$0")"

server_ext="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
client_ext="basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

# NAME CN
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" \
		-days 36500 -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
}

# NAME CA CN SERIAL EXTENSIONS
leaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$3"
	printf '%s\n' "$5" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "$4" -days 36500 -out "$1.pem" \
		-extfile "$1.ext"
	rm "$1.csr" "$1.ext"
}

ca ca "echo-server test CA"
ca other-ca "another test CA"
leaf server ca localhost 4097 "$server_ext"
leaf server-rotated ca localhost 8193 "$server_ext"
leaf client ca "echo test client" 12289 "$client_ext"
leaf other-client other-ca stranger 16385 "$client_ext"
# The same server key and certificate as a PKCS#12 key store (a "jks" bundle), password changeit.
openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name server -out server.p12 \
	-passout pass:changeit
