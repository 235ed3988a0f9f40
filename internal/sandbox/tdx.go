package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// TDX test credentials.
const (
	TDXUser      = "alice"
	TDXPassword  = "wonderland-42"
	TDXBEID      = "df0b5273-d7d4-44a3-9dbb-73a57c2904a9"
	TDXWebKey    = "2313ed32-7b4c-4c5b-8974-126a638d0de1"
	tdxSigningID = "sesame-sandbox"
)

// TDX is a fake TeamDynamix Web API (seed 002): POST api/auth/login and
// api/auth/loginadmin under /TDWebApi and /SBTDWebApi, a JWT back as
// text/plain, and Bearer-checked data routes such as GET api/auth/getuser.
type TDX struct {
	Counters
	opts Options
	key  []byte

	mu            sync.Mutex
	revokedBefore time.Time // tokens issued until then were ended by Expire
	limited       int       // auth calls answered 429 so far (Options.RateLimited)
	authCalls     int       // auth calls in the current window, for X-RateLimit-Remaining
	window        time.Time // end of the current rate-limit window
	loginDelay    time.Duration
}

// SetLoginDelay changes Options.LoginDelay from now on (a test slows the
// vendor after its first login).
func (t *TDX) SetLoginDelay(d time.Duration) {
	t.mu.Lock()
	t.loginDelay = d
	t.mu.Unlock()
}

// tdxAuthLimit is TeamDynamix's documented limit on api/auth, api/auth/login
// and api/auth/getuser: 60 calls per IP address every 60 seconds.
const tdxAuthLimit = 60

// NewTDX returns a fake TDX.
func NewTDX(o Options) *TDX {
	if o.TTL <= 0 {
		o.TTL = 24 * time.Hour
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &TDX{opts: o, key: key, loginDelay: o.LoginDelay}
}

// Name implements Vendor.
func (t *TDX) Name() string { return "tdx" }

// Accounts implements Vendor.
func (t *TDX) Accounts() []Account {
	return []Account{
		{Mode: "user", User: TDXUser, Secret: TDXPassword, Note: "a user account"},
		{Mode: "admin", User: TDXBEID, Secret: TDXWebKey, Note: "an admin service account (BEID + Web Services Key)"},
	}
}

// Expire implements Vendor: every JWT issued so far stops working.
func (t *TDX) Expire() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.revokedBefore = t.opts.now()
}

func (t *TDX) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.Request()
	if Control(w, r, &t.Counters, t.Expire) {
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/TDWebApi/")
	if !ok {
		rest, ok = strings.CutPrefix(r.URL.Path, "/SBTDWebApi/")
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch rest {
	case "api/auth/login", "api/auth/loginadmin", "api/auth/getuser":
		if !t.rateLimit(w) {
			return
		}
	}
	switch rest {
	case "api/auth/login":
		t.login(w, r, false)
	case "api/auth/loginadmin":
		t.login(w, r, true)
	case "api/auth/getuser":
		t.getUser(w, r)
	default:
		if uid, ok := strings.CutPrefix(rest, "api/people/"); ok && uid != "2d5e8d1a-0000-4000-8000-00000000a11c" {
			// GET api/people/{uid} for someone who is not there: ASP.NET
			// Web API's 404 (the Web API documents 404 for an unknown uid).
			if _, ok := t.authorize(w, r); ok {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprintf(w, `{"Message":"No person was found with the UID %s."}`, uid)
			}
			return
		}
		if strings.HasPrefix(rest, "api/") {
			if _, ok := t.authorize(w, r); ok {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				fmt.Fprintf(w, `{"Path":%q,"Method":%q}`, "/"+rest, r.Method)
			}
			return
		}
		http.NotFound(w, r)
	}
}

func (t *TDX) login(w http.ResponseWriter, r *http.Request, admin bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "The requested resource does not support http method '"+r.Method+"'.", http.StatusMethodNotAllowed)
		return
	}
	// The current Web API documentation: requests must carry
	// Content-Type: application/json. ASP.NET Web API answers anything else
	// with 415 and a JSON Message (see testdata/wire/tdx).
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		_ = json.NewEncoder(w).Encode(map[string]string{"Message": "The request entity's media type '" + mt + "' is not supported for this resource."})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	// TDX binds JSON case-insensitively, as ASP.NET Web API does.
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "The request is invalid.", http.StatusBadRequest)
		return
	}
	field := func(name string) string {
		for k, v := range in {
			if strings.EqualFold(k, name) {
				s, _ := v.(string)
				return s
			}
		}
		return ""
	}
	var name string
	if admin {
		if field("BEID") != TDXBEID || field("WebServicesKey") != TDXWebKey {
			http.Error(w, "Invalid BEID or web services key.", http.StatusUnauthorized)
			return
		}
		name = "Sandbox Admin Service Account"
	} else {
		if field("username") != TDXUser || field("password") != TDXPassword {
			http.Error(w, "Invalid username or password.", http.StatusUnauthorized)
			return
		}
		name = TDXUser
	}
	t.mu.Lock()
	d := t.loginDelay
	t.mu.Unlock()
	if d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return
		}
	}
	t.Login()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, t.issue(name))
}

// rateLimit sets the X-RateLimit-* headers TeamDynamix sends on every
// rate-limited call and, while Options.RateLimited lasts, answers 429 with
// Reset a few seconds ahead. It reports whether the call may go on.
func (t *TDX) rateLimit(w http.ResponseWriter) bool {
	now := t.opts.now()
	t.mu.Lock()
	if now.After(t.window) {
		t.window, t.authCalls = now.Add(60*time.Second), 0
	}
	t.authCalls++
	limited := t.limited < t.opts.RateLimited
	if limited {
		t.limited++
	}
	remaining := max(tdxAuthLimit-t.authCalls, 0)
	reset := t.window
	if limited {
		remaining, reset = 0, now.Truncate(time.Second).Add(4*time.Second)
	}
	t.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", fmt.Sprint(tdxAuthLimit))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(remaining))
	h.Set("X-RateLimit-Reset", reset.UTC().Format(http.TimeFormat))
	if limited {
		t.Add("rate_limited")
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]string{"Message": "Too Many Requests"})
		return false
	}
	return true
}

// issue signs a JWT shaped like the seed's (iss, aud, nbf, exp, unique_name).
func (t *TDX) issue(name string) string {
	now := t.opts.now().Add(t.opts.TokenSkew)
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	header := b64(`{"typ":"JWT","alg":"HS256"}`)
	claims, _ := json.Marshal(map[string]any{
		"iss":         "TD",
		"aud":         "https://www.teamdynamix.com/",
		"nbf":         now.Unix(),
		"iat":         now.UnixMilli(), // milliseconds: two logins in one second differ
		"exp":         now.Add(t.opts.TTL).Unix(),
		"unique_name": name,
		"jti":         hex.EncodeToString(nonce),
	})
	signing := header + "." + b64(string(claims))
	mac := hmac.New(sha256.New, t.key)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// authorize checks the Bearer JWT: signature, expiry, and server-side expiry.
func (t *TDX) authorize(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(tok, ".")
	fail := func() (string, bool) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		http.Error(w, "Authorization has been denied for this request.", http.StatusUnauthorized)
		return "", false
	}
	if !ok || len(parts) != 3 {
		return fail()
	}
	mac := hmac.New(sha256.New, t.key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return fail()
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fail()
	}
	var c struct {
		Exp  int64  `json:"exp"`
		IAT  int64  `json:"iat"`
		Name string `json:"unique_name"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return fail()
	}
	now := t.opts.now()
	t.mu.Lock()
	before := t.revokedBefore
	t.mu.Unlock()
	if now.Unix() >= c.Exp || (!before.IsZero() && !time.UnixMilli(c.IAT).After(before)) {
		return fail()
	}
	return c.Name, true
}

func (t *TDX) getUser(w http.ResponseWriter, r *http.Request) {
	name, ok := t.authorize(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"UID":          "2d5e8d1a-0000-4000-8000-00000000a11c",
		"UserName":     name,
		"FullName":     "Alice Liddell",
		"PrimaryEmail": "alice@example.edu",
		"IsActive":     true,
	})
}
