package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
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

	mu          sync.Mutex
	live        map[string]bool       // tokens issued since the last Expire
	revoked     map[string]bool       // tokens Expire ended
	issued      map[string]int        // logins per account and second
	ttlSet      time.Duration         // SetTTL's token life; 0: Options.TTL
	limited     int                   // auth calls answered 429 so far (Options.RateLimited)
	authCalls   int                   // auth calls in the current window, for X-RateLimit-Remaining
	window      time.Time             // end of the current rate-limit window
	windows     map[string]*tdxWindow // data rate limit per method (tdx_ratelimit.go)
	dataLimited int                   // data calls answered 429 so far (Options.DataLimited)
	maxRefused  int64                 // most 429s served in one method's window
	loginDelay  time.Duration
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

// SetTTL changes the life of the tokens issued from now on (a tenant's
// session policy changing).
func (t *TDX) SetTTL(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ttlSet = d
}

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
	// Tokens are ended by identity, not by issue time: a real token's
	// times are whole seconds, and a renewal in the same second as Expire
	// must still work.
	if t.revoked == nil {
		t.revoked = map[string]bool{}
	}
	for tok := range t.live {
		t.revoked[tok] = true
	}
	clear(t.live)
}

func (t *TDX) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.Request()
	if Control(w, r, &t.Counters, t.Expire) {
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/TDWebApi/")
	if !ok {
		// The sandbox API: the same fake, counted apart so that tests
		// can tell which API a client reached.
		if rest, ok = strings.CutPrefix(r.URL.Path, "/SBTDWebApi/"); ok {
			t.Add("sandbox_api")
		}
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
		if !t.dataRateLimit(w, r, rest) {
			return
		}
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
				if n, _ := io.Copy(io.Discard, r.Body); n > 0 {
					// An upload: say how much of it arrived.
					fmt.Fprintf(w, `{"Path":%q,"Method":%q,"Bytes":%d}`, "/"+rest, r.Method, n)
					return
				}
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
		if !strings.EqualFold(field("BEID"), TDXBEID) || !strings.EqualFold(field("WebServicesKey"), TDXWebKey) {
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

// issue signs a JWT shaped like a real TeamDynamix token: the claims a
// public 2025 script published (testdata/wire/tdx/login-2025-token.json),
// in that order: unique_name, tdx_entity, tdx_partition, nbf, exp, iat
// (NumericDate seconds), iss "TD", aud "https://www.teamdynamix.com/", and
// exp − nbf the token's life (a day unless Options.TTL says otherwise).
//
// Times are whole seconds, so two logins of one account in one second
// would get the same token; the fake dates the later ones a second earlier
// each (as a server clock a little behind would), so that every login
// gives a new token and a renewal is told from the session it replaces.
func (t *TDX) issue(name string) string {
	now := t.opts.now().Add(t.opts.TokenSkew).Truncate(time.Second)
	t.mu.Lock()
	if t.issued == nil {
		t.issued = map[string]int{}
	}
	k := name + "@" + strconv.FormatInt(now.Unix(), 10)
	n := t.issued[k]
	t.issued[k] = n + 1
	t.mu.Unlock()
	// Never so far back that the token would be born half dead: a short
	// test TTL with many quick logins gets the same token again instead.
	if back := time.Duration(n) * time.Second; back < t.ttl()/2 {
		now = now.Add(-back)
	}
	header := b64(`{"alg":"HS256","typ":"JWT"}`)
	claims, _ := json.Marshal(tdxClaims{
		UniqueName: name,
		Entity:     "2",
		Partition:  "1001",
		NotBefore:  now.Unix(),
		Expires:    now.Add(t.ttl()).Unix(),
		IssuedAt:   now.Unix(),
		Issuer:     "TD",
		Audience:   "https://www.teamdynamix.com/",
	})
	signing := header + "." + b64(string(claims))
	mac := hmac.New(sha256.New, t.key)
	mac.Write([]byte(signing))
	tok := signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	t.mu.Lock()
	if t.live == nil {
		t.live = map[string]bool{}
	}
	t.live[tok] = true
	delete(t.revoked, tok)
	t.mu.Unlock()
	return tok
}

// ttl is the life of a token issued now: SetTTL's, else Options.TTL (which
// never changes once the fake runs: Options is read unlocked).
func (t *TDX) ttl() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ttlSet > 0 {
		return t.ttlSet
	}
	return t.opts.TTL
}

// tdxClaims are a TeamDynamix JWT's claims, in the vendor's order.
type tdxClaims struct {
	UniqueName string `json:"unique_name"`
	Entity     string `json:"tdx_entity"`
	Partition  string `json:"tdx_partition"`
	NotBefore  int64  `json:"nbf"`
	Expires    int64  `json:"exp"`
	IssuedAt   int64  `json:"iat"`
	Issuer     string `json:"iss"`
	Audience   string `json:"aud"`
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
	var c tdxClaims
	if json.Unmarshal(raw, &c) != nil {
		return fail()
	}
	now := t.opts.now()
	t.mu.Lock()
	revoked := t.revoked[tok]
	t.mu.Unlock()
	if now.Unix() >= c.Expires || revoked {
		return fail()
	}
	return c.UniqueName, true
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
