package main

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/mail"

	"golang.org/x/net/websocket"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// mediaSetup renders the service's placeholder images and its export
// archive, as a content service does at startup, and returns their sizes.
func mediaSetup() (string, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return "", err
	}
	if err := jpeg.Encode(&out, img, nil); err != nil {
		return "", err
	}
	if err := gif.Encode(&out, img, nil); err != nil {
		return "", err
	}
	zw := zip.NewWriter(&out)
	w, err := zw.Create("export.xml")
	if err != nil {
		return "", err
	}
	if err := xml.NewEncoder(w).Encode(struct {
		XMLName xml.Name `xml:"export"`
		Items   []string `xml:"item"`
	}{Items: []string{"a", "b"}}); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress("Bench <bench@example.com>")
	if err != nil {
		return "", err
	}
	conf, err := websocket.NewConfig("ws://127.0.0.1/ws", "http://127.0.0.1/")
	if err != nil {
		return "", err
	}
	eur, _ := currency.FromTag(language.German)
	return message.NewPrinter(language.German).Sprintf("%d bytes of media for %s via %s, prices in %v", out.Len(), addr.Address, conf.Location.Host, eur), nil
}
