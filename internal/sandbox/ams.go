package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// AMS test credentials and app names. A profile URL for the fake is the
// server's URL followed by "/" + AMSApp.
const (
	AMSApp          = "sandbox"   // the app the fake serves
	AMSNoSessionApp = "nosession" // an app whose step 1 hands over no token at all (loginUser still works)
	AMSUser         = "coach.carter"
	AMSPassword     = "hoops-2026"
	AMSMFAUser      = "mfa.user"    // refused whatever the password: not exempted from MFA/SSO
	AMSLockedUser   = "locked.user" // refused whatever the password: account locked
	// AMSApplicationID is the applicationId loginUser answers with.
	AMSApplicationID = 4242
)

// The date formats of the seed: step 1's currentDateOnClient and step 2's
// loginProperties.clientTime.
const (
	amsDateOnClient = "02-01-2006 15:04"
	amsClientTime   = "2006-01-02T15:04"
)

// AMS is a fake Teamworks AMS (seed 000, plus the facts SPEC §2 takes from
// Teamworks' smartabaseR): apps under /{app}/, v1 HTTP Basic, the v2/v3
// two-step session login (getApplicationDescription, then loginUser), and
// session-checked v2/v3 data routes with an idle timeout.
//
// It answers like recorded real traffic (testdata/wire/ams): loginUser
// works without step 1 (Teamworks' own clients never call it), takes the
// credentials as HTTP Basic and in the JSON body, answers with skypeName
// nested under user and hands the session over in both the session-header
// and a Set-Cookie: JSESSIONID response header. Step 1 can be switched
// (Options.Step1) to hand over its token in the header and cookie, the
// cookie alone, or not at all, since what a real step 1 returns is not
// recorded anywhere public.
//
// It stays strict where a lax server would hide a client bug: a step-1
// token sent to loginUser must come in both the session-header and the
// JSESSIONID cookie, loginUser answers with a new token (so a client that
// keeps step 1's fails), and credentials are refused the way AMS does —
// HTTP 200 with an rpc exception body.
type AMS struct {
	Counters
	opts Options

	mu       sync.Mutex
	sessions map[string]*amsSession
}

// amsSession is one token the fake has issued.
type amsSession struct {
	app      string
	user     string // empty until loginUser succeeds
	lastUsed time.Time
}

// NewAMS returns a fake AMS. Options.TTL is the idle timeout (default 30m).
func NewAMS(o Options) *AMS {
	if o.TTL <= 0 {
		o.TTL = 30 * time.Minute
	}
	return &AMS{opts: o, sessions: map[string]*amsSession{}}
}

// Name implements Vendor.
func (a *AMS) Name() string { return "ams" }

// Accounts implements Vendor.
func (a *AMS) Accounts() []Account {
	return []Account{
		{Mode: "v2", User: AMSUser, Secret: AMSPassword, Note: "a coach account, session login (also serves v3); URL is the server + /" + AMSApp},
		{Mode: "v1", User: AMSUser, Secret: AMSPassword, Note: "the same account with HTTP Basic on every call"},
		{Mode: "v2", User: AMSMFAUser, Secret: AMSPassword, Note: "refused: not exempted from MFA/SSO (any password)", Refusing: true},
		{Mode: "v2", User: AMSLockedUser, Secret: AMSPassword, Note: "refused: the account is locked (any password)", Refusing: true},
	}
}

// Expire implements Vendor: every token issued so far stops working.
func (a *AMS) Expire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.sessions)
}

func (a *AMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.Request()
	if Control(w, r, &a.Counters, a.Expire) {
		return
	}
	if r.Header.Get("X-APP-ID") == "" {
		a.Add("missing_app_id")
	}
	app, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if app != AMSApp && app != AMSNoSessionApp {
		amsNotFound(w, r)
		return
	}
	switch {
	case rest == "api/v1/userauthentication":
		a.v1Login(w, r)
	case strings.HasPrefix(rest, "api/v1/"):
		if a.basicUser(w, r) != "" {
			amsEcho(w, r, AMSUser)
		}
	case rest == "api/v2/application/getApplicationDescription":
		a.step1(w, r, app)
	case rest == "api/v2/user/loginUser":
		a.step2(w, r, app)
	case rest == "api/v3/endpoints":
		// smartabaseR sends its session here (R/login.R .get_endpoint), and
		// `sesame status --check` asks this route whether a v2 session is
		// good: a session that is sent must be live. Without one (doctor's
		// "is this an AMS app" probe) the list is public. ASSUMED: that AMS
		// refuses an ended session here is this fake's choice; it is the
		// answer every other v2/v3 route gives.
		if r.Header.Get("session-header") != "" || amsHasCookie(r) {
			if _, ok := a.authorize(w, r, app); !ok {
				return
			}
		}
		amsEndpoints(w, r)
	case strings.HasPrefix(rest, "api/v2/") || strings.HasPrefix(rest, "api/v3/"):
		if user, ok := a.authorize(w, r, app); ok {
			amsEcho(w, r, user)
		}
	default:
		amsNotFound(w, r)
	}
}

// v1Login is POST api/v1/userauthentication?informat=json&format=json with
// HTTP Basic and the same credentials in a JSON body (seed 000's curl).
func (a *AMS) v1Login(w http.ResponseWriter, r *http.Request) {
	if !amsPOSTJSON(w, r) {
		return
	}
	if q := r.URL.Query(); q.Get("informat") != "json" || q.Get("format") != "json" {
		amsRPCError(w, http.StatusBadRequest, "informat=json&format=json are required")
		return
	}
	user := a.basicUser(w, r)
	if user == "" {
		return
	}
	var in struct{ Username, Password string }
	if err := amsDecode(r, &in); err != nil || in.Username != user {
		amsRPCError(w, http.StatusBadRequest, "The request body must be {\"username\": …, \"password\": …} for the authenticated user")
		return
	}
	a.Login()
	amsJSON(w, http.StatusOK, map[string]any{
		"userId":       1001,
		"username":     user,
		"firstName":    "Coach",
		"lastName":     "Carter",
		"emailAddress": "coach.carter@example.org",
	})
}

// basicUser checks HTTP Basic; on failure it answers 401 and returns "".
func (a *AMS) basicUser(w http.ResponseWriter, r *http.Request) string {
	user, pass, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="AMS"`)
		amsRPCError(w, http.StatusUnauthorized, "Authentication required")
		return ""
	}
	if msg := amsRefusal(user, pass); msg != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="AMS"`)
		amsRPCError(w, http.StatusUnauthorized, msg)
		return ""
	}
	return user
}

// amsRefusal says why a login is refused, or "" when it is accepted.
func amsRefusal(user, pass string) string {
	switch {
	case user == AMSMFAUser:
		return "Multi-factor authentication (MFA) is required for this account. Accounts used with the API must be exempted from MFA and SSO by an administrator."
	case user == AMSLockedUser:
		return "This account has been locked. Please contact your administrator."
	case user == AMSUser && pass == AMSPassword:
		return ""
	}
	return "Invalid username or password"
}

// step1 is POST api/v2/application/getApplicationDescription: a fresh,
// not yet logged-in token in the session-header response header and a
// JSESSIONID cookie (or the cookie alone, or nothing: Options.Step1). The
// nosession app never hands one over.
func (a *AMS) step1(w http.ResponseWriter, r *http.Request, app string) {
	a.Add("step1")
	if !amsPOSTJSON(w, r) {
		return
	}
	var in struct {
		AppName             string `json:"appName"`
		CurrentDateOnClient string `json:"currentDateOnClient"`
	}
	if err := amsDecode(r, &in); err != nil {
		amsRPCError(w, http.StatusBadRequest, "Malformed request: "+err.Error())
		return
	}
	if in.AppName != app {
		amsRPCError(w, http.StatusBadRequest, fmt.Sprintf("Unknown application %q", in.AppName))
		return
	}
	if _, err := time.Parse(amsDateOnClient, in.CurrentDateOnClient); err != nil {
		amsRPCError(w, http.StatusBadRequest, "currentDateOnClient must be dd-MM-yyyy HH:mm")
		return
	}
	if app == AMSApp {
		switch a.opts.Step1 {
		case "", "header":
			amsSetSession(w, app, a.issue(app, ""))
		case "cookie":
			w.Header().Add("Set-Cookie", "JSESSIONID="+a.issue(app, "")+"; Path=/"+app+"; HttpOnly")
		}
	}
	amsJSON(w, http.StatusOK, map[string]any{
		"applicationName": app,
		"displayName":     "Sesame Sandbox AMS",
		"version":         "6.14.2",
		"ssoEnabled":      false,
		"mfaEnabled":      false,
		"loginMessage":    "This is a fake AMS for testing sesame.",
	})
}

// step2 is POST api/v2/user/loginUser with the step-1 token in both the
// session-header and the JSESSIONID cookie.
func (a *AMS) step2(w http.ResponseWriter, r *http.Request, app string) {
	if !amsPOSTJSON(w, r) {
		return
	}
	// A step-1 token is optional; one that is sent must be a live,
	// not yet logged-in one, in both the header and the cookie.
	tok, ok := amsToken(r)
	if r.Header.Get("session-header") != "" || amsHasCookie(r) {
		if !ok {
			amsRPCError(w, http.StatusUnauthorized, "No valid session: send the session-header and Cookie: JSESSIONID of getApplicationDescription together")
			return
		}
		a.mu.Lock()
		s := a.live(tok, app)
		pending := s != nil && s.user == ""
		a.mu.Unlock()
		if !pending {
			amsRPCError(w, http.StatusUnauthorized, "No valid session: this session has expired or is already logged in")
			return
		}
	}
	a.Add("login_user")
	if _, _, basic := r.BasicAuth(); basic {
		a.Add("login_user_basic")
	}
	var in struct {
		Username        string `json:"username"`
		Password        string `json:"password"`
		LoginProperties struct {
			AppName    string `json:"appName"`
			ClientTime string `json:"clientTime"`
		} `json:"loginProperties"`
	}
	if err := amsDecode(r, &in); err != nil {
		amsRPCError(w, http.StatusBadRequest, "Malformed request: "+err.Error())
		return
	}
	if in.LoginProperties.AppName != app {
		amsRPCError(w, http.StatusBadRequest, fmt.Sprintf("Unknown application %q", in.LoginProperties.AppName))
		return
	}
	if _, err := time.Parse(amsClientTime, in.LoginProperties.ClientTime); err != nil {
		amsRPCError(w, http.StatusBadRequest, "loginProperties.clientTime must be yyyy-MM-ddTHH:mm")
		return
	}
	// AMS says no with HTTP 200 and an rpc exception (smartabaseR, R/login.R).
	if msg := amsRefusal(in.Username, in.Password); msg != "" {
		amsRPCError(w, http.StatusOK, msg)
		return
	}
	// Basic, when sent, must name the same account as the body.
	if bu, bp, basic := r.BasicAuth(); basic && (bu != in.Username || bp != in.Password) {
		amsRPCError(w, http.StatusUnauthorized, "Invalid username or password")
		return
	}
	a.mu.Lock()
	delete(a.sessions, tok)
	a.mu.Unlock()
	next := a.issue(app, in.Username)
	amsSetSession(w, app, next)
	a.Login()
	// The shape of the recorded real answer (testdata/wire/ams): the user
	// object holds skypeName; applicationId is top-level.
	amsJSON(w, http.StatusOK, map[string]any{
		"user": map[string]any{
			"userId":       1001,
			"username":     in.Username,
			"firstName":    "Coach",
			"lastName":     "Carter",
			"emailAddress": "coach.carter@example.org",
			"skypeName":    "sb-" + amsRandom(8),
		},
		"applicationId": AMSApplicationID,
	})
}

// authorize checks a v2/v3 data request's session; on failure it answers 401.
func (a *AMS) authorize(w http.ResponseWriter, r *http.Request, app string) (string, bool) {
	tok, ok := amsToken(r)
	var user string
	if ok {
		a.mu.Lock()
		if s := a.live(tok, app); s != nil && s.user != "" {
			s.lastUsed = a.opts.now()
			user = s.user
		}
		a.mu.Unlock()
	}
	if user == "" {
		// AMS reports an ended session with HTTP 401, or with HTTP 200 and
		// an rpc exception (Options.RPCSessionEnd).
		status := http.StatusUnauthorized
		if a.opts.RPCSessionEnd {
			status = http.StatusOK
		}
		amsRPCError(w, status, "Your session has expired or is not valid. Please log in again.")
		return "", false
	}
	return user, true
}

// live returns the session of tok for app, or nil when there is none or it
// has been idle for TTL (then it is dropped). a.mu must be held.
func (a *AMS) live(tok, app string) *amsSession {
	s := a.sessions[tok]
	if s == nil || s.app != app {
		return nil
	}
	if a.opts.now().Sub(s.lastUsed) >= a.opts.TTL {
		delete(a.sessions, tok)
		return nil
	}
	return s
}

// issue makes a token shaped like a Java servlet session id.
func (a *AMS) issue(app, user string) string {
	tok := strings.ToUpper(amsRandom(16))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sessions[tok] = &amsSession{app: app, user: user, lastUsed: a.opts.now()}
	return tok
}

// amsToken reads the session-header and requires the JSESSIONID cookie to
// carry the same token, as the seed's requests do.
func amsToken(r *http.Request) (string, bool) {
	tok := r.Header.Get("session-header")
	c, err := r.Cookie("JSESSIONID")
	if tok == "" || err != nil || c.Value != tok {
		return "", false
	}
	return tok, true
}

func amsHasCookie(r *http.Request) bool {
	_, err := r.Cookie("JSESSIONID")
	return err == nil
}

func amsSetSession(w http.ResponseWriter, app, tok string) {
	w.Header().Set("session-header", tok)
	w.Header().Add("Set-Cookie", "JSESSIONID="+tok+"; Path=/"+app+"; HttpOnly")
}

// amsEndpoints is GET api/v3/endpoints?version=v1: the v1 endpoint names
// smartabaseR looks up, each with its path under api/v1. No login needed.
func amsEndpoints(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		amsRPCError(w, http.StatusMethodNotAllowed, "GET only")
		return
	}
	paths := map[string]string{
		"insert_profile":     "/profile",
		"get_event":          "/eventsearch",
		"get_user":           "/usersearch",
		"get_group":          "/groupmembers",
		"get_current":        "/currentuser",
		"get_group_names":    "/listgroups",
		"get_filtered_event": "/filteredeventsearch",
		"delete_event":       "/deleteevent",
		"get_profile":        "/profilesearch",
		"insert_event":       "/eventimport",
		"synchronise_event":  "/synchronise",
	}
	out := map[string]any{}
	for k, v := range paths {
		out[k] = map[string]string{"path": v}
	}
	amsJSON(w, http.StatusOK, out)
}

func amsEcho(w http.ResponseWriter, r *http.Request, user string) {
	amsJSON(w, http.StatusOK, map[string]any{"path": r.URL.Path, "method": r.Method, "user": user})
}

// amsPOSTJSON enforces POST with a JSON body, as the login routes do.
func amsPOSTJSON(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		amsRPCError(w, http.StatusMethodNotAllowed, "POST only")
		return false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		amsRPCError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return false
	}
	return true
}

func amsDecode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

func amsJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// amsRPCError answers with AMS's serialised Java exception.
func amsRPCError(w http.ResponseWriter, status int, msg string) {
	amsJSON(w, status, map[string]any{
		"__is_rpc_exception__": true,
		"value":                map[string]any{"detailMessage": msg, "stackTrace": []any{}},
	})
}

// amsNotFound is the page a Java app server shows for an unknown app or
// route: HTML, not JSON, which a client must not mistake for an answer.
func amsNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>HTTP Status 404 – Not Found</title></head>`+
		`<body><h1>HTTP Status 404 – Not Found</h1><hr class="line" /><p><b>Type</b> Status Report</p>`+
		`<p><b>Message</b> The requested resource [%s] is not available</p>`+
		`<p><b>Description</b> The origin server did not find a current representation for the target resource or is not willing to disclose that one exists.</p>`+
		`<hr class="line" /><h3>Apache Tomcat</h3></body></html>`, html.EscapeString(r.URL.Path))
}

func amsRandom(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
