package ym

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// authRequest is the body of POST /Ams/Authenticate[/{Token}] (seed 001,
// "Auth Parameters"). Member names are the vendor's, letter for letter.
// Unset fields are left out rather than sent as zero values: ServiceStack
// fills defaults itself, and a short body is easier to read in --debug.
//
// The seed also lists Token as a body field; sesame sends it in the path
// only (its route is /Ams/Authenticate/{Token}), so that it is not on the
// wire twice.
type authRequest struct {
	ConsumerKey    string `json:",omitempty"`
	ConsumerSecret string `json:",omitempty"`
	AccessToken    string `json:",omitempty"`
	// ClientID is an int on the vendor's side: YM refuses a JSON string,
	// even one of digits, so it is marshalled as a number.
	ClientID              int32  `json:",omitempty"`
	UserType              string `json:",omitempty"` // Anonymous, Admin or Member
	Username              string `json:",omitempty"`
	Password              string `json:",omitempty"`
	EmailAddress          string `json:",omitempty"`
	IncludeMemberConfig   bool   `json:",omitempty"`
	IncludeExchangeToken  bool   `json:",omitempty"`
	IncludeBrandingConfig bool   `json:",omitempty"`
	Device                string `json:",omitempty"` // Desktop, IOS or Android
}

// authResponse is AuthResponse plus AuthenticateResponse (seed 001), the
// members sesame reads. encoding/json matches names case-insensitively, so a
// host configured for camelCase JSON is read as well. MemberConfig and
// BrandingConfig are asked for on request but not kept: they describe the
// association's site, not the session.
type authResponse struct {
	ClientID          flexString
	MemberID          flexString
	FailedLoginReason flexString
	ExchangeToken     string
	UserID            flexString `json:"UserId"`
	SessionID         string     `json:"SessionId"`
	UserName          string
	DisplayName       string
	BearerToken       string
	RefreshToken      string
	ResponseStatus    *responseStatus
}

// responseStatus is ServiceStack's error envelope.
type responseStatus struct {
	ErrorCode string
	Message   string
	Errors    []struct {
		ErrorCode string
		FieldName string
		Message   string
	}
}

// FailedLoginReason values (seed 003, "Allowable Values").
const (
	reasonNone                   = "None"
	reasonMultipleAccounts       = "MultipleAccounts"
	reasonInvalidCredentials     = "InvalidCredentials"
	reasonAccountLockedOut       = "AccountLockedOut"
	reasonAccountSuspended       = "AccountSuspended"
	reasonAccountPendingApproval = "AccountPendingApproval"
	reasonInvalidClient          = "InvalidClient"
	reasonInvalidToken           = "InvalidToken"
	reasonConsentRequired        = "ConsentRequired"
)

// UserType and Device values (seed 003, "Allowable Values").
var (
	userTypes = []string{"Anonymous", "Admin", "Member"}
	devices   = []string{"Desktop", "IOS", "Android"}
)

// flexString reads a JSON string, a number or null as text. The seed types
// ClientID and MemberID as int and UserId as string; reading either form
// keeps a vendor-side serializer change from failing a good login. Anything
// else (an object, an array, a bool) is the wrong shape and an error.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			// An UnmarshalTypeError gets the member's name filled in by
			// encoding/json, which the error message then shows.
			return &json.UnmarshalTypeError{Value: "non-number", Type: reflect.TypeFor[flexString]()}
		}
		*f = flexString(n.String())
	}
	return nil
}

// id is the value as an identifier: "" for unset and for YM's 0 ("none").
func (f flexString) id() string {
	if n, err := strconv.ParseFloat(string(f), 64); err == nil && n == 0 {
		return ""
	}
	return string(f)
}
