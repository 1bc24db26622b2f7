package views

import (
	"bytes"
	"image/png"
	"testing"
)

// TestQRCodePNG: the enrolment QR code is a PNG image of the size the page shows.
func TestQRCodePNG(t *testing.T) {
	b, err := QRCodePNG("otpauth://totp/himoya:sup@example.org?algorithm=SHA1&digits=6&issuer=himoya&period=30&secret=JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != qrSize || r.Dy() != qrSize {
		t.Errorf("image is %dx%d, want %dx%d", r.Dx(), r.Dy(), qrSize, qrSize)
	}
}
