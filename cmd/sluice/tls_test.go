package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with serial
// to certFile and its key to keyFile.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "sluice test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	// Replace both files by rename, as a certificate manager would.
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: kb}} {
		if err := os.WriteFile(file+".new", pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(file+".new", file); err != nil {
			t.Fatal(err)
		}
	}
}

// servedSerial returns the serial of the certificate the server presents.
func servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// TestServe_TLS serves HTTPS and takes a renewed certificate on SIGHUP.
func TestServe_TLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, certFile, keyFile, 1)
	m := &Main{Stdout: os.Stdout}
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Store = StoreConfig{DataDir: filepath.Join(dir, "data"), Regions: []sluice.Region{"CN"}}
	m.Config.TLSCert, m.Config.TLSKey = certFile, keyFile
	if err := initDataDir(context.Background(), os.Stdout, &m.Config.Store, ""); err != nil {
		t.Fatal(err)
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if u := m.URL(); u[:8] != "https://" {
		t.Fatalf("URL %s", u)
	}
	addr := m.Listener.Addr().String()
	if s := servedSerial(t, addr); s != 1 {
		t.Fatalf("serial %d, want 1", s)
	}
	writeCert(t, certFile, keyFile, 2)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return servedSerial(t, addr) == 2 })

	// A broken pair on reload keeps the certificate in use.
	os.WriteFile(certFile, []byte("not a certificate"), 0o600)
	if err := m.tls.reload(); err == nil {
		t.Fatal("reload of a broken certificate succeeded")
	}
	if s := servedSerial(t, addr); s != 2 {
		t.Fatalf("after a failed reload: serial %d, want 2", s)
	}
}
