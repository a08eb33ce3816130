package main

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/cases"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// textSetup warms the service's text handling: charset detection, HTML
// parsing, collation and case mapping, as a content service does.
func textSetup() (string, error) {
	r, err := charset.NewReader(strings.NewReader("<p>caf\xe9</p>"), "text/html; charset=windows-1252")
	if err != nil {
		return "", err
	}
	doc, err := html.Parse(r)
	if err != nil {
		return "", err
	}
	user, err := precis.UsernameCaseMapped.String("Bench")
	if err != nil {
		return "", err
	}
	suffix, _ := publicsuffix.PublicSuffix("api.example.co.uk")
	words := []string{user, suffix, display.English.Languages().Name(language.German), "Zebra", "äpfel", "apple", norm.NFC.String("cafe\u0301")}
	collate.New(language.German).SortStrings(words)
	return cases.Title(language.English).String(strings.Join(words, " ")) + " " + doc.FirstChild.Data, nil
}
