package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// YM test credentials. They are test values for the fake only.
//
// A YM admin API key logs in through the same form as a member: the key is
// the Username, the API password is the Password and UserType is "Admin".
const (
	YMClientID        = 31337 // the sandbox association's ClientID
	YMUnknownClientID = 40404 // any ClientID but YMClientID answers InvalidClient

	YMUser     = "jdoe"             // a member, by Username
	YMEmail    = "jdoe@example.org" // the same member, by EmailAddress
	YMPassword = "ym-member-pass"

	YMAPIKey      = "SANDBOX-API-KEY" // admin API key: Username with UserType Admin
	YMAPIPassword = "ym-api-pass"

	YMConsumerKey    = "sandbox-consumer-key"
	YMConsumerSecret = "ym-consumer-secret"

	YMExchangeToken        = "ym-xt-5f0c2a9e71d4" // for POST /Ams/Authenticate/{Token}
	YMExpiredExchangeToken = "ym-xt-expired-0000" // answers InvalidToken, as any unknown token does

	// Accounts that are refused on purpose, one per FailedLoginReason,
	// whatever the password. The comment says how the refusal comes back.
	YMSharedEmail    = "family@example.org" // EmailAddress: MultipleAccounts, HTTP 200
	YMWrongCredsUser = "wrong.member"       // InvalidCredentials, HTTP 401
	YMLockedUser     = "locked.member"      // AccountLockedOut, HTTP 401
	YMSuspendedUser  = "suspended.member"   // AccountSuspended, HTTP 401
	YMPendingUser    = "pending.member"     // AccountPendingApproval, HTTP 200
	YMConsentUser    = "consent.member"     // ConsentRequired, HTTP 200
	// YMStatusErrorUser logs in (HTTP 200, a SessionId, FailedLoginReason
	// None) but the answer's ResponseStatus carries an ErrorCode: a failure
	// all the same (MemberJunction's YM connector; see
	// testdata/wire/ym/authenticate-200-errorcode.json). The code and
	// message are the fake's own: nothing public records one.
	YMStatusErrorUser = "status.error.member"
	// YMUnknownMemberID is a MemberID that GET /MemberProfile?MemberID=…
	// answers with HTTP 200 and a ResponseStatus error (ASSUMED shape, see
	// testdata/wire/ym/data-200-responsestatus.json).
	YMUnknownMemberID = 404404
	ymMemberID        = 1001
	ymBadLoginMessage = "Invalid username/password combination."
)

// Status codes: what is documented and what is assumed.
//
// Documented (seeds 001 and 003, YM's own ServiceStack metadata pages): the
// Auth service answers HTTP 200 with an AuthenticateResponse, and
// FailedLoginReason is one of None, MultipleAccounts, InvalidCredentials,
// AccountLockedOut, AccountSuspended, AccountPendingApproval,
// InvalidClient, InvalidToken, ConsentRequired.
//
// From public integrations (SPEC §2), not from YM's documentation: a wrong
// username or password is HTTP 401 with FailedLoginReason None and the
// words in ResponseStatus.Message; a data call without a live X-SS-ID is
// HTTP 401 (every public client re-authenticates on 401 alone).
//
// Assumed, with nothing public to go by: which FailedLoginReasons come with
// 401 and which with 200 (ymRefusedUsers below), 415 for a body that is not
// JSON, 400 SerializationException for a ClientID sent as a string or an
// unknown enum name (ServiceStack's usual answers), 404 for an unknown
// route, and that consumer logins never answer 429.

// ymRefusal is how the fake refuses one account: the FailedLoginReason and
// the HTTP status it comes with (YM answers some refusals with 200).
type ymRefusal struct {
	reason string
	status int
}

var ymRefusedUsers = map[string]ymRefusal{
	YMWrongCredsUser: {"InvalidCredentials", http.StatusUnauthorized},
	YMLockedUser:     {"AccountLockedOut", http.StatusUnauthorized},
	YMSuspendedUser:  {"AccountSuspended", http.StatusUnauthorized},
	YMPendingUser:    {"AccountPendingApproval", http.StatusOK},
	YMConsentUser:    {"ConsentRequired", http.StatusOK},
}

// YM is a fake YourMembership REST service (seeds 001 and 003): the Auth
// service at POST /Ams/Authenticate[/{Token}], speaking JSON the way a
// ServiceStack host does, and data routes under /Ams/{ClientID}/ that need
// the X-SS-ID header of a live session for that client.
type YM struct {
	Counters
	opts Options

	mu        sync.Mutex
	sessions  map[string]ymSession // by SessionId
	throttled int                  // data calls answered 429 (ym_ratelimit.go)
}

// ymSession is one issued session.
type ymSession struct {
	clientID  int
	memberID  int
	userName  string
	expiresAt time.Time
}

// ymAccount is who a successful login acts as.
type ymAccount struct {
	memberID    int
	userName    string
	displayName string
	email       string
	bearer      bool // ServiceStack issues a BearerToken (JWT) with the session
}

var (
	ymMember   = ymAccount{memberID: ymMemberID, userName: YMUser, displayName: "Jane Doe", email: YMEmail, bearer: true}
	ymAdmin    = ymAccount{userName: YMAPIKey, displayName: "Sandbox API Key"}
	ymConsumer = ymAccount{displayName: "Sandbox Integration", bearer: true}
)

// NewYM returns a fake YM. Sessions last o.TTL (default 15m) from issue.
func NewYM(o Options) *YM {
	if o.TTL <= 0 {
		o.TTL = 15 * time.Minute
	}
	return &YM{opts: o, sessions: map[string]ymSession{}}
}

// Name implements Vendor.
func (y *YM) Name() string { return "ym" }

// Accounts implements Vendor.
func (y *YM) Accounts() []Account {
	client := "--client-id " + strconv.Itoa(YMClientID)
	refused := func(user, reason, status string) Account {
		return Account{Mode: "member", User: user, Secret: YMPassword, Extra: client, Refusing: true,
			Note: "refused: FailedLoginReason " + reason + " (HTTP " + status + ")"}
	}
	return []Account{
		{Mode: "member", User: YMUser, Secret: YMPassword, Extra: client, Note: "a member, by username"},
		{Mode: "member", User: YMEmail, Secret: YMPassword, Extra: client + " --login-field email", Note: "the same member, by e-mail address"},
		{Mode: "admin", User: YMAPIKey, Secret: YMAPIPassword, Extra: client, Note: "an admin API key (Username = key, Password = API password, UserType Admin); no BearerToken"},
		{Mode: "consumer", User: YMConsumerKey, Secret: YMConsumerSecret, Extra: client, Note: "a consumer key and secret"},
		{Mode: "token", Secret: YMExchangeToken, Extra: client, Note: "an exchange token for /Ams/Authenticate/{Token} (reusable here)"},
		{Mode: "member", User: YMUser, Secret: "not-the-password", Extra: client, Refusing: true, Note: "refused: HTTP 401, Invalid username/password combination"},
		// An e-mail address several members share: YM answers it when it
		// is sent as EmailAddress, so the line says --login-field email.
		{Mode: "member", User: YMSharedEmail, Secret: YMPassword, Extra: client + " --login-field email", Refusing: true,
			Note: "refused: FailedLoginReason MultipleAccounts (HTTP 200)"},
		refused(YMWrongCredsUser, "InvalidCredentials", "401"),
		refused(YMLockedUser, "AccountLockedOut", "401"),
		refused(YMSuspendedUser, "AccountSuspended", "401"),
		refused(YMPendingUser, "AccountPendingApproval", "200"),
		{Mode: "member", User: YMUser, Secret: YMPassword, Extra: "--client-id " + strconv.Itoa(YMUnknownClientID), Refusing: true, Note: "refused: FailedLoginReason InvalidClient (HTTP 200)"},
		{Mode: "token", Secret: YMExpiredExchangeToken, Extra: client, Refusing: true, Note: "refused: FailedLoginReason InvalidToken (HTTP 401)"},
		refused(YMConsentUser, "ConsentRequired", "200"),
		{Mode: "member", User: YMStatusErrorUser, Secret: YMPassword, Extra: client, Refusing: true, Note: "refused: HTTP 200 with a SessionId but ResponseStatus.ErrorCode set"},
	}
}

// Expire implements Vendor: every session issued so far ends.
func (y *YM) Expire() {
	y.mu.Lock()
	defer y.mu.Unlock()
	clear(y.sessions)
}

func (y *YM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	y.Request()
	if Control(w, r, &y.Counters, y.Expire) {
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/Ams/")
	if !ok {
		ymError(w, http.StatusNotFound, "NotFound", "Handler for Request not found")
		return
	}
	if rest == "Authenticate" {
		y.authenticate(w, r, "")
		return
	}
	// Route {Token} on the escaped path, so that a token holding an escaped
	// "/" stays one segment.
	if tok, ok := strings.CutPrefix(r.URL.EscapedPath(), "/Ams/Authenticate/"); ok && tok != "" && !strings.Contains(tok, "/") {
		if t, err := url.PathUnescape(tok); err == nil {
			y.authenticate(w, r, t)
			return
		}
	}
	id, sub, _ := strings.Cut(rest, "/")
	clientID, err := strconv.Atoi(id)
	if err != nil || clientID <= 0 {
		ymError(w, http.StatusNotFound, "NotFound", "Handler for Request not found")
		return
	}
	if !y.throttle(w) {
		return
	}
	y.data(w, r, clientID, "/"+sub)
}

// ymAuthRequest is the Auth request body (seed 001). ClientID stays raw so
// that a string can be refused the way ServiceStack refuses it.
type ymAuthRequest struct {
	ConsumerKey           string
	ConsumerSecret        string
	AccessToken           string
	Token                 string
	ClientID              json.RawMessage
	UserType              string
	Username              string
	Password              string
	EmailAddress          string
	IncludeMemberConfig   bool
	IncludeExchangeToken  bool
	IncludeBrandingConfig bool
	Device                string
}

// ymResponseStatus is ServiceStack's ResponseStatus.
type ymResponseStatus struct {
	ErrorCode string         `json:",omitempty"`
	Message   string         `json:",omitempty"`
	Errors    []ymFieldError `json:",omitempty"`
}

type ymFieldError struct {
	ErrorCode string
	FieldName string
	Message   string
}

// ymAuthResponse is AuthResponse + AuthenticateResponse (seed 001).
type ymAuthResponse struct {
	ClientID          int
	MemberID          int
	FailedLoginReason string
	MemberConfig      map[string]any    `json:",omitempty"`
	BrandingConfig    map[string]any    `json:",omitempty"`
	ExchangeToken     string            `json:",omitempty"`
	UserID            string            `json:"UserId,omitempty"`
	SessionID         string            `json:"SessionId,omitempty"`
	UserName          string            `json:",omitempty"`
	DisplayName       string            `json:",omitempty"`
	BearerToken       string            `json:",omitempty"`
	RefreshToken      string            `json:",omitempty"`
	ResponseStatus    ymResponseStatus  `json:"ResponseStatus"`
	Meta              map[string]string `json:",omitempty"`
}

func (y *YM) authenticate(w http.ResponseWriter, r *http.Request, pathToken string) {
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		w.Header().Set("Allow", "POST, OPTIONS")
		w.WriteHeader(http.StatusOK)
		return
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		ymError(w, http.StatusMethodNotAllowed, "NotImplementedException", "Could not find method named "+r.Method+"(Auth)")
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		y.Add("content_type_not_json")
		ymError(w, http.StatusUnsupportedMediaType, "NotSupportedException", "The request content type '"+mt+"' is not supported here; send application/json")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		// ServiceStack picks the format from Accept; the fake answers JSON
		// anyway but counts the request, so tests can see the header missing.
		y.Add("accept_not_json")
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var in ymAuthRequest
	// encoding/json matches member names case-insensitively, as ServiceStack does.
	if err := json.Unmarshal(body, &in); err != nil {
		ymError(w, http.StatusBadRequest, "SerializationException", "Could not deserialize 'application/json' request using Auth: "+err.Error())
		return
	}
	clientID, ok := ymClientID(in.ClientID)
	if !ok {
		y.Add("clientid_not_number")
		ymFieldErr(w, "SerializationException", "ClientID", "'"+strings.Trim(string(in.ClientID), `"`)+"' is not a valid Int32")
		return
	}
	switch in.UserType {
	case "", "Anonymous", "Admin", "Member":
	default:
		ymFieldErr(w, "SerializationException", "UserType", "Requested value '"+in.UserType+"' was not found.")
		return
	}
	switch in.Device {
	case "", "Desktop", "IOS", "Android":
	default:
		ymFieldErr(w, "SerializationException", "Device", "Requested value '"+in.Device+"' was not found.")
		return
	}

	token := pathToken
	if token == "" {
		token = in.Token
	}
	var acct ymAccount
	switch {
	case token != "":
		if token != YMExchangeToken {
			ymRefuse(w, clientID, ymRefusal{"InvalidToken", http.StatusUnauthorized})
			return
		}
		if clientID != 0 && clientID != YMClientID {
			ymRefuse(w, clientID, ymRefusal{"InvalidClient", http.StatusOK})
			return
		}
		acct = ymMember
	case in.ConsumerKey != "":
		// The public consumer-mode client always sends UserType and an
		// AccessToken; counted so that tests can see what came.
		if in.UserType == "" {
			y.Add("consumer_without_user_type")
		}
		if in.AccessToken != "" {
			y.Add("consumer_access_token")
		}
		if clientID != 0 && clientID != YMClientID {
			ymRefuse(w, clientID, ymRefusal{"InvalidClient", http.StatusOK})
			return
		}
		if in.ConsumerKey != YMConsumerKey || in.ConsumerSecret != YMConsumerSecret {
			ymBadLogin(w)
			return
		}
		acct = ymConsumer
	case in.Username != "" || in.EmailAddress != "":
		if clientID != YMClientID {
			ymRefuse(w, clientID, ymRefusal{"InvalidClient", http.StatusOK})
			return
		}
		if in.UserType == "Admin" {
			if in.Username != YMAPIKey || in.Password != YMAPIPassword {
				ymBadLogin(w)
				return
			}
			acct = ymAdmin
			break
		}
		if in.EmailAddress == YMSharedEmail {
			ymRefuse(w, clientID, ymRefusal{"MultipleAccounts", http.StatusOK})
			return
		}
		if in.Username == YMStatusErrorUser {
			ymJSON(w, http.StatusOK, ymAuthResponse{
				ClientID: clientID, FailedLoginReason: "None", SessionID: ymRandom(15),
				ResponseStatus: ymResponseStatus{ErrorCode: "AccessDenied", Message: "API access is not enabled for this member."},
			})
			return
		}
		if ref, ok := ymRefusedUsers[in.Username]; ok {
			ymRefuse(w, clientID, ref)
			return
		}
		if (in.Username != YMUser && in.EmailAddress != YMEmail) || in.Password != YMPassword {
			ymBadLogin(w)
			return
		}
		acct = ymMember
	default:
		ymBadLogin(w)
		return
	}

	now := y.opts.now()
	out := ymAuthResponse{
		ClientID:          YMClientID,
		MemberID:          acct.memberID,
		FailedLoginReason: "None",
		SessionID:         ymRandom(15),
		UserName:          acct.userName,
		DisplayName:       acct.displayName,
		Meta:              map[string]string{},
	}
	if acct.memberID != 0 {
		out.UserID = strconv.Itoa(acct.memberID)
	}
	if acct.bearer {
		out.BearerToken = ymJWT(now, now.Add(y.opts.TTL), acct)
		out.RefreshToken = ymJWT(now, now.Add(30*24*time.Hour), acct)
	}
	if in.IncludeExchangeToken {
		out.ExchangeToken = "ym-xt-" + ymRandom(9)
	}
	device := in.Device
	if device == "" {
		device = "Desktop"
	}
	if in.IncludeMemberConfig {
		out.MemberConfig = map[string]any{
			"Locale": "en-US", "DateFormat": "M/d/yyyy",
			"CurrencyDecimalSeparator": ".", "CurrencyGroupSeparator": ",", "CurrencySymbol": "$",
			"CurrencyPositivePattern": "$n", "CurrencyNegativePattern": "($n)",
			"SiteUrl": "https://sandbox.example.org", "CareersID": 0, "ClientNameMobile": "Sandbox",
			"FullName": acct.displayName, "SecureUrl": "https://sandbox.example.org", "QuickLinksCount": 0,
			"MemberID": acct.memberID, "ClientID": YMClientID, "ResponseStatus": map[string]any{},
			"BypassCache": false, "DateCached": now.Format(time.RFC3339Nano), "Device": device,
		}
	}
	if in.IncludeBrandingConfig {
		out.BrandingConfig = map[string]any{
			"Options": map[string]string{"PrimaryColor": "#336699"}, "UsingRedis": false,
			"AppInitTime": now.Format(time.RFC3339Nano), "ServerID": "SANDBOX-1",
			"ClientID": YMClientID, "ResponseStatus": map[string]any{},
			"BypassCache": false, "DateCached": now.Format(time.RFC3339Nano), "Device": device,
		}
	}
	y.mu.Lock()
	y.sessions[out.SessionID] = ymSession{
		clientID:  YMClientID,
		memberID:  acct.memberID,
		userName:  acct.userName,
		expiresAt: now.Add(y.opts.TTL),
	}
	y.mu.Unlock()
	y.Login()
	ymJSON(w, http.StatusOK, out)
}

// ymClientID reads ClientID: absent or null is 0; a JSON string (even of
// digits) or a fraction is refused, as the vendor's int field does.
func ymClientID(raw json.RawMessage) (int, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true
	}
	n, err := strconv.ParseInt(string(raw), 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// data answers /Ams/{ClientID}/… for a live session of that client: the
// member's profile for /MemberProfile, an echo of the request otherwise.
func (y *YM) data(w http.ResponseWriter, r *http.Request, clientID int, path string) {
	id := r.Header.Get("X-SS-ID")
	now := y.opts.now()
	y.mu.Lock()
	s, ok := y.sessions[id]
	if ok && !now.Before(s.expiresAt) {
		delete(y.sessions, id)
		ok = false
	}
	y.mu.Unlock()
	if id == "" || !ok || s.clientID != clientID {
		y.Add("unauthorized")
		ymError(w, http.StatusUnauthorized, "Unauthorized", "Not Authenticated")
		return
	}
	if strings.EqualFold(path, "/MemberProfile") && r.Method == http.MethodGet && r.URL.Query().Get("MemberID") == strconv.Itoa(YMUnknownMemberID) {
		// An error inside a 200: the ResponseStatus is the answer.
		ymJSON(w, http.StatusOK, map[string]any{
			"ResponseStatus": ymResponseStatus{ErrorCode: "NotFound", Message: "Member " + strconv.Itoa(YMUnknownMemberID) + " was not found."},
		})
		return
	}
	if strings.EqualFold(path, "/MemberProfile") && r.Method == http.MethodGet {
		ymJSON(w, http.StatusOK, map[string]any{
			"ClientID":       clientID,
			"MemberID":       s.memberID,
			"Username":       s.userName,
			"FirstName":      "Jane",
			"LastName":       "Doe",
			"EmailAddr":      YMEmail,
			"ResponseStatus": map[string]any{},
		})
		return
	}
	if strings.EqualFold(path, "/MemberList") && r.Method == http.MethodGet {
		y.memberList(w, r)
		return
	}
	ymJSON(w, http.StatusOK, map[string]any{
		"ClientID": clientID,
		"Path":     path,
		"Method":   r.Method,
		"Query":    r.URL.RawQuery,
	})
}

// YMMembers is how many members the fake's /MemberList pages through.
const YMMembers = 7

// memberList answers /MemberList one page at a time, with the PageSize and
// PageNumber query parameters (1-based). ASSUMED: the parameter names follow
// YM's REST conventions; no public recording of a YM list page was found,
// so the array's name ("Members") is this fake's own.
func (y *YM) memberList(w http.ResponseWriter, r *http.Request) {
	size, _ := strconv.Atoi(r.URL.Query().Get("PageSize"))
	page, _ := strconv.Atoi(r.URL.Query().Get("PageNumber"))
	if size <= 0 {
		size = 100
	}
	if page <= 0 {
		page = 1
	}
	members := []map[string]any{}
	for i := (page-1)*size + 1; i <= min(page*size, YMMembers); i++ {
		members = append(members, map[string]any{"MemberID": 1000 + i, "Username": fmt.Sprintf("member%d", i)})
	}
	ymJSON(w, http.StatusOK, map[string]any{"Members": members, "ResponseStatus": map[string]any{}})
}

// ymRefuse answers a refused login with its FailedLoginReason.
func ymRefuse(w http.ResponseWriter, clientID int, ref ymRefusal) {
	out := ymAuthResponse{ClientID: clientID, FailedLoginReason: ref.reason}
	if ref.status != http.StatusOK {
		out.ResponseStatus = ymResponseStatus{ErrorCode: ref.reason, Message: "Login failed: " + ref.reason + "."}
	}
	ymJSON(w, ref.status, out)
}

// ymBadLogin is YM's answer to a wrong username or password (SPEC §2): 401
// with FailedLoginReason None and the message in ResponseStatus.
func ymBadLogin(w http.ResponseWriter) {
	ymJSON(w, http.StatusUnauthorized, map[string]any{
		"FailedLoginReason": "None",
		"ResponseStatus":    map[string]string{"Message": ymBadLoginMessage},
	})
}

// ymError writes a ServiceStack error body.
func ymError(w http.ResponseWriter, status int, code, msg string) {
	ymJSON(w, status, map[string]any{"ResponseStatus": ymResponseStatus{ErrorCode: code, Message: msg}})
}

// ymFieldErr writes a 400 ServiceStack error that names the field at fault.
func ymFieldErr(w http.ResponseWriter, code, field, msg string) {
	ymJSON(w, http.StatusBadRequest, map[string]any{"ResponseStatus": ymResponseStatus{
		ErrorCode: code,
		Message:   msg,
		Errors:    []ymFieldError{{ErrorCode: code, FieldName: field, Message: msg}},
	}})
}

func ymJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ymRandom is n random bytes as base64url text.
func ymRandom(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ymJWT shapes a token like ServiceStack's JWTs. The fake never checks it:
// YM data routes go by X-SS-ID.
func ymJWT(iat, exp time.Time, a ymAccount) string {
	claims := fmt.Sprintf(`{"iss":"ssjwt","sub":%d,"name":%q,"iat":%d,"exp":%d,"jti":%q}`,
		a.memberID, a.userName, iat.Unix(), exp.Unix(), ymRandom(6))
	return b64(`{"typ":"JWT","alg":"HS256"}`) + "." + b64(claims) + "." + ymRandom(32)
}
