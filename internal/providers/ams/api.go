package ams

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Wire formats of seed 000 (Teamworks AMS "Authentication").

// The seed's date formats: step 1 sends "30-04-2026 09:00", step 2
// "2026-04-30T09:00" — both the client's local time, minute precision.
const (
	dateOnClientLayout = "02-01-2006 15:04"
	clientTimeLayout   = "2006-01-02T15:04"
)

// v1Login is the body of POST api/v1/userauthentication; the same
// credentials also travel as HTTP Basic.
type v1Login struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// appDescriptionRequest is the body of step 1, POST
// api/v2/application/getApplicationDescription.
type appDescriptionRequest struct {
	AppName             string `json:"appName"`
	CurrentDateOnClient string `json:"currentDateOnClient"`
}

// loginUserRequest is the body of step 2, POST api/v2/user/loginUser.
type loginUserRequest struct {
	Username        string          `json:"username"`
	Password        string          `json:"password"`
	LoginProperties loginProperties `json:"loginProperties"`
}

type loginProperties struct {
	AppName    string `json:"appName"`
	ClientTime string `json:"clientTime"`
}

// loginUserResponse is the part of loginUser's answer sesame keeps. The
// seed promises applicationId (needed by some v2 writes) and skypeName (a
// token for file uploads, hence a secret field). applicationId is kept raw so
// that a large id keeps every digit and a quoted one is accepted too.
//
// Recorded real traffic has skypeName nested under user:
//
//	{"user": {…, "skypeName": "…"}, "applicationId": 1044, …}
//
// A top-level skypeName (the seed's reading) is still read as a fallback.
type loginUserResponse struct {
	ApplicationID json.RawMessage `json:"applicationId"`
	SkypeName     string          `json:"skypeName"`
	User          *struct {
		SkypeName string `json:"skypeName"`
	} `json:"user"`
}

// skypeName is user.skypeName, else the top-level skypeName.
func (r *loginUserResponse) skypeName() string {
	if r.User != nil && r.User.SkypeName != "" {
		return r.User.SkypeName
	}
	return r.SkypeName
}

// applicationID renders the raw applicationId as text: digits as sent for a
// number, the string itself for a quoted value, "" when absent or null.
func (r *loginUserResponse) applicationID() string {
	raw := bytes.TrimSpace(r.ApplicationID)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// rpcException is how AMS reports a failed call, with HTTP 401 or, just as
// often, HTTP 200 (smartabaseR R/login.R checks the body of every answer):
//
//	{"__is_rpc_exception__": true, "value": {"detailMessage": "…"}}
type rpcException struct {
	Flag  any `json:"__is_rpc_exception__"`
	Value struct {
		DetailMessage string `json:"detailMessage"`
	} `json:"value"`
}

// parseRPCException reports whether body is an rpc exception and returns its
// detailMessage (possibly empty). The marker is accepted as true or "true".
func parseRPCException(body []byte) (string, bool) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || !bytes.Contains(b, []byte("__is_rpc_exception__")) {
		return "", false
	}
	var e rpcException
	if json.Unmarshal(b, &e) != nil {
		return "", false
	}
	switch f := e.Flag.(type) {
	case bool:
		if !f {
			return "", false
		}
	case string:
		if !strings.EqualFold(f, "true") {
			return "", false
		}
	default:
		return "", false
	}
	return e.Value.DetailMessage, true
}
