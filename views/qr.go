package views

import (
	"bytes"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// qrSize is the side of the two-factor enrolment QR code image, in pixels.
const qrSize = 240

// QRCodePNG draws text (the otpauth:// address of a two-factor secret, models.Enrolment's
// OTPAuthURL) as a QR code in a PNG image, made here with no network. It is what an
// authenticator app scans.
func QRCodePNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	img, err := barcode.Scale(code, qrSize, qrSize)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
