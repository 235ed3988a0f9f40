// Package ym is the YourMembership (YM REST Services) adapter. It implements
// the "Auth" service of seeds 001 and 003: POST {url}/Ams/Authenticate, or
// POST {url}/Ams/Authenticate/{Token} to trade an exchange token, with a JSON
// body of ConsumerKey/ConsumerSecret, ClientID, UserType, Username or
// EmailAddress, Password, the Include… flags and Device. The answer is an
// AuthResponse + AuthenticateResponse whose SessionId is the session.
//
// Facts beyond the seeds (SPEC §2, from public integrations): later calls
// carry "X-SS-ID: SessionId" alone — every public client does so — and
// "Authorization: Bearer" only when the profile asks (option bearer: true);
// the BearerToken is kept either way (token show, env). Consumer logins
// always send UserType (Member unless the profile says otherwise) and, when
// given, an AccessToken, as the one public consumer-mode client does. Data
// URLs are {url}/Ams/{ClientID}/…; ClientID must be a JSON
// number; a bad login is HTTP 401 with FailedLoginReason None and the reason
// in ResponseStatus.Message; a session lasts about 15 minutes and YM does not
// say when it ends, so sesame renews after the profile's session_ttl.
//
// A YM admin API key logs in through the member form: the key as Username,
// the API password as Password, and UserType Admin (mode "admin").
//
// This package only speaks HTTP through the transport it is handed; it never
// touches the credential store, and never puts a secret in an error.
package ym

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/origin"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/transport"
)

// Login modes.
const (
	ModeMember   = "member"   // Username or EmailAddress + Password, UserType Member
	ModeAdmin    = "admin"    // API key as Username + API password, UserType Admin
	ModeConsumer = "consumer" // ConsumerKey + ConsumerSecret
	ModeToken    = "token"    // POST /Ams/Authenticate/{Token}
)

// DefaultURL is the YM REST host, used when a profile names none.
const DefaultURL = "https://ws.yourmembership.com"

// DefaultTTL is how long a session is trusted when the profile's windows do
// not say (SPEC §4: session_ttl defaults to 14m, just under YM's ~15m).
const DefaultTTL = 14 * time.Minute

// Profile options this adapter reads (config.Profile.Option).
const (
	OptClientID   = "client_id"   // the association's ClientID, a whole number
	OptUserType   = "user_type"   // Admin, Member or Anonymous (member mode)
	OptDevice     = "device"      // Desktop (default), IOS or Android
	OptInclude    = "include"     // comma list: member-config, branding, exchange-token
	OptLoginField = "login_field" // username (default) or email (member mode)
	OptBearer     = "bearer"      // "true": data calls also carry Authorization: Bearer
)

// SecretSeparator joins a consumer secret and an access token into the one
// secret a consumer login is given (and saved with, for renewal): the two
// are sent as ConsumerSecret and AccessToken. A consumer secret never holds
// a newline (secrets are read up to the end of a line).
const SecretSeparator = "\n"

// splitSecret parts a consumer login's secret into the consumer secret and
// the access token ("" when none was given).
func splitSecret(secret string) (consumerSecret, accessToken string) {
	consumerSecret, accessToken, _ = strings.Cut(secret, SecretSeparator)
	return consumerSecret, accessToken
}

// Provider is the YourMembership adapter.
type Provider struct{}

// New returns the adapter.
func New() *Provider { return &Provider{} }

// Name implements providers.Provider.
func (*Provider) Name() string { return "ym" }

// Modes implements providers.Provider; member is the default.
func (*Provider) Modes() []string {
	return []string{ModeMember, ModeAdmin, ModeConsumer, ModeToken}
}

// SecretName implements providers.Provider.
func (*Provider) SecretName(mode string) string {
	switch mode {
	case ModeAdmin:
		return "API password"
	case ModeConsumer:
		return "consumer secret"
	case ModeToken:
		return "exchange token"
	}
	return "password"
}

// BaseURL implements providers.Provider: {url}/Ams/{client_id} when the
// profile has a client_id, else {url}. A profile without client_id (possible
// in consumer and token modes) therefore resolves relative `curl` paths
// against the host root; set --client-id to get /Ams/{ClientID}/… paths.
func (*Provider) BaseURL(p *config.Profile) (string, error) {
	root, err := rootURL(p)
	if err != nil {
		return "", err
	}
	id, err := clientID(p)
	if err != nil {
		return "", err
	}
	if id == 0 {
		return root, nil
	}
	return root + "/Ams/" + strconv.Itoa(int(id)), nil
}

// amsSuffix matches a URL that already names the /Ams folder, with or
// without a client ID. Compiled on first use, not at start-up.
var amsSuffix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/Ams(/[0-9]+)?$`) })

// rootURL is the instance without a trailing slash or /Ams[/{ClientID}].
func rootURL(p *config.Profile) (string, error) {
	raw := p.URL
	if raw == "" {
		raw = DefaultURL
	}
	u, err := transport.CheckURL(raw)
	if err != nil {
		return "", err
	}
	base := strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/")
	return amsSuffix().ReplaceAllString(base, ""), nil
}

// clientID reads the client_id option: 0 when unset.
func clientID(p *config.Profile) (int32, error) {
	s := strings.TrimSpace(p.Option(OptClientID, ""))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n <= 0 {
		return 0, clierr.New(clierr.Usage, "invalid --client-id %q: want your association's YM ClientID, a whole number", s)
	}
	return int32(n), nil
}

// Login implements providers.Provider.
func (pr *Provider) Login(ctx context.Context, env *providers.Env, p *config.Profile, secret string) (*providers.Session, error) {
	root, err := rootURL(p)
	if err != nil {
		return nil, err
	}
	mode := providers.ModeOf(pr, p)
	body, err := buildRequest(p, mode, secret)
	if err != nil {
		return nil, err
	}
	endpoint := root + "/Ams/Authenticate"
	env.HTTP.AddSecret(secret)
	if mode == ModeConsumer {
		env.HTTP.AddSecret(body.ConsumerSecret, body.AccessToken)
	}
	if mode == ModeToken {
		// The exchange token travels in the URL path: register its escaped
		// form too, so that --debug hides it in the request line.
		esc := url.PathEscape(secret)
		env.HTTP.AddSecret(esc)
		endpoint += "/" + esc
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, clierr.New(clierr.Unexpected, "ym login: encoding the request: %v", err)
	}
	resp, err := env.HTTP.Do(ctx, &transport.Request{
		Method: http.MethodPost,
		URL:    endpoint,
		// ServiceStack picks the request format from Content-Type and the
		// answer's from Accept; without both it may speak JSV or HTML.
		Header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}},
		Body:   data,
		Retry:  true,
	})
	if err != nil {
		// transport errors name the host only, never the path that may hold
		// the exchange token.
		return nil, fmt.Errorf("ym login: %w", err)
	}
	shown := secret
	if mode == ModeConsumer {
		shown = body.ConsumerSecret
	}
	ar, err := readAnswer(resp, mode, p, origin.Host(root), shown, body.AccessToken)
	if err != nil {
		return nil, err
	}
	env.HTTP.AddSecret(ar.SessionID, ar.BearerToken, ar.RefreshToken, ar.ExchangeToken)
	return newSession(ar, mode, p, now(env)), nil
}

// buildRequest turns a profile and secret into the Auth body for a mode,
// checking the options first so that a mistake costs no login attempt.
func buildRequest(p *config.Profile, mode, secret string) (*authRequest, error) {
	id, err := clientID(p)
	if err != nil {
		return nil, err
	}
	device, err := oneOf(p.Option(OptDevice, "Desktop"), devices, "--device")
	if err != nil {
		return nil, err
	}
	req := &authRequest{ClientID: id, Device: device}
	if err := setIncludes(req, p.Option(OptInclude, "")); err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, clierr.New(clierr.Usage, "ym %s login needs the %s", mode, New().SecretName(mode))
	}
	switch mode {
	case ModeMember, ModeAdmin:
		// Usernames are per association: without a ClientID YM cannot tell
		// whose member is logging in.
		if id == 0 {
			return nil, clierr.New(clierr.Usage, "ym %s login needs --client-id (your association's YM ClientID, a number)", mode)
		}
		def := "Member"
		if mode == ModeAdmin {
			def = "Admin"
		}
		ut, err := oneOf(p.Option(OptUserType, def), userTypes, "--user-type")
		if err != nil {
			return nil, err
		}
		if mode == ModeAdmin && ut != "Admin" {
			return nil, clierr.New(clierr.Usage, "ym admin login always uses UserType Admin; remove user_type %s from the profile, or log in as a member with --user-type member", ut)
		}
		req.UserType, req.Password = ut, secret
		field := strings.ToLower(p.Option(OptLoginField, "username"))
		switch {
		case p.Username == "" && mode == ModeAdmin:
			return nil, clierr.New(clierr.Usage, "ym admin login needs the API key as --username")
		case p.Username == "":
			return nil, clierr.New(clierr.Usage, "ym member login needs --username (or an e-mail address with --login-field email)")
		case mode == ModeAdmin || field == "username":
			// An API key is always a Username, whatever login_field says.
			req.Username = p.Username
		case field == "email":
			req.EmailAddress = p.Username
		default:
			return nil, clierr.New(clierr.Usage, "invalid --login-field %q: want username or email", field)
		}
	case ModeConsumer:
		if p.Username == "" {
			return nil, clierr.New(clierr.Usage, "ym consumer login needs the consumer key as --username")
		}
		cs, at := splitSecret(secret)
		if cs == "" {
			return nil, clierr.New(clierr.Usage, "ym consumer login needs the consumer secret")
		}
		req.ConsumerKey, req.ConsumerSecret, req.AccessToken = p.Username, cs, at
		// The public consumer-mode client always sends UserType; Member
		// unless the profile says otherwise.
		ut, err := oneOf(p.Option(OptUserType, "Member"), userTypes, "--user-type")
		if err != nil {
			return nil, err
		}
		req.UserType = ut
	case ModeToken:
		// The token is in the path (see Login); the body carries only the
		// options.
		if err := optionalUserType(req, p); err != nil {
			return nil, err
		}
	default:
		return nil, clierr.New(clierr.Usage, "unknown ym mode %q (want member, admin, consumer or token)", mode)
	}
	return req, nil
}

// optionalUserType sends UserType in token logins only when the profile
// asks: an exchange token already says who it is.
func optionalUserType(req *authRequest, p *config.Profile) error {
	if v := p.Option(OptUserType, ""); v != "" {
		ut, err := oneOf(v, userTypes, "--user-type")
		if err != nil {
			return err
		}
		req.UserType = ut
	}
	return nil
}

// oneOf returns the allowed value that v names, in the vendor's spelling
// (ServiceStack parses enum names, and the fake is strict about case).
func oneOf(v string, allowed []string, flag string) (string, error) {
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(v), a) {
			return a, nil
		}
	}
	return "", clierr.New(clierr.Usage, "invalid %s %q: want one of %s", flag, v, strings.Join(allowed, ", "))
}

// setIncludes reads the include option into the Include… flags.
func setIncludes(req *authRequest, list string) error {
	for _, item := range strings.Split(list, ",") {
		switch strings.ToLower(strings.TrimSpace(item)) {
		case "":
		case "member-config":
			req.IncludeMemberConfig = true
		case "branding":
			req.IncludeBrandingConfig = true
		case "exchange-token":
			req.IncludeExchangeToken = true
		default:
			return clierr.New(clierr.Usage, "invalid --include item %q: want member-config, branding or exchange-token", strings.TrimSpace(item))
		}
	}
	return nil
}

// readAnswer maps the login answer to an authResponse or an error.
//
// YM refuses a login in two ways: HTTP 401 (or 403) with a JSON body, and
// HTTP 200 whose FailedLoginReason is not None. Both are exit 3. An answer
// that is not the JSON of an AuthenticateResponse, or a 200 without a
// SessionId, means the URL is not the YM REST service or the service is
// broken: exit 5.
func readAnswer(resp *transport.Response, mode string, p *config.Profile, host, secret, accessToken string) (*authResponse, error) {
	if accessToken != "" {
		// Mask the access token wherever a vendor message might echo it.
		resp = &transport.Response{Status: resp.Status, Header: resp.Header, Body: []byte(strings.ReplaceAll(string(resp.Body), accessToken, "***"))}
	}
	var ar authResponse
	jsonErr := errNotJSON
	if !resp.LooksHTML() {
		jsonErr = json.Unmarshal(resp.Body, &ar)
	}
	reason := string(ar.FailedLoginReason)
	refused := jsonErr == nil && reason != "" && reason != reasonNone
	switch {
	case resp.Status == http.StatusOK:
		if jsonErr == errNotJSON {
			return nil, clierr.New(clierr.Network, "ym login to %s: got an HTML page instead of JSON; is --url the YM REST service (%s)?", host, DefaultURL)
		}
		if jsonErr != nil {
			return nil, clierr.New(clierr.Network, "ym login to %s: the answer is not an AuthenticateResponse (%s); is --url the YM REST service (%s)?", host, shapeError(jsonErr), DefaultURL)
		}
		if refused {
			return nil, reasonError(reason, mode, p, host)
		}
		// A 200 whose ResponseStatus carries an ErrorCode is a failure,
		// SessionId or not: MemberJunction's YM connector throws "YM auth
		// error: Message" on it, and the Drupal ymapi module keeps a
		// session only when SessionId is set and FailedLoginReason is
		// None. The vendor refused this login: exit 3.
		if code := errorCode(ar.ResponseStatus); code != "" {
			return nil, clierr.New(clierr.Rejected, "ym login to %s refused (HTTP 200): ResponseStatus.ErrorCode %s%s; check the %s%s", host, printable(code), statusMessage(ar.ResponseStatus, secret), credentialWords(mode, p), clientHint(mode))
		}
		if ar.SessionID == "" {
			return nil, clierr.New(clierr.Network, "ym login to %s: the answer holds no SessionId%s; try again later", host, statusMessage(ar.ResponseStatus, secret))
		}
		return &ar, nil
	case refused && resp.Status >= 400 && resp.Status < 500:
		return nil, reasonError(reason, mode, p, host)
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		// FailedLoginReason None: the words are in ResponseStatus.Message
		// ("Invalid username/password combination.").
		msg := statusMessage(ar.ResponseStatus, secret)
		if msg == "" {
			msg = ": wrong " + wrongWords(mode, p)
		}
		return nil, clierr.New(clierr.Rejected, "ym login to %s refused (HTTP %d)%s; check the %s%s", host, resp.Status, msg, credentialWords(mode, p), clientHint(mode))
	case resp.Status == http.StatusNotFound || resp.Status == http.StatusMethodNotAllowed || resp.Status == http.StatusUnsupportedMediaType:
		return nil, clierr.New(clierr.Network, "ym login to %s: HTTP %d; is --url the YM REST service (%s)?", host, resp.Status, DefaultURL)
	case resp.Status == http.StatusTooManyRequests:
		return nil, clierr.New(clierr.Network, "ym login to %s: rate limited (HTTP 429) after retries; wait a minute", host)
	case resp.Status >= 500:
		return nil, clierr.New(clierr.Network, "ym login to %s: server error (HTTP %d)%s; try again later", host, resp.Status, statusMessage(ar.ResponseStatus, secret))
	case resp.Status >= 400:
		// e.g. 400 SerializationException: YM could not read the request.
		return nil, clierr.New(clierr.Rejected, "ym login to %s refused the request (HTTP %d)%s", host, resp.Status, statusMessage(ar.ResponseStatus, secret))
	}
	return nil, clierr.New(clierr.Network, "ym login to %s: unexpected HTTP %d", host, resp.Status)
}

// errNotJSON marks an HTML answer (a proxy, a portal login page, a wrong URL).
var errNotJSON = errors.New("not JSON")

// shapeError words a JSON decoding failure without quoting the body.
func shapeError(err error) string {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return "field " + te.Field + " has the wrong type"
	case errors.As(err, &te):
		return "not a JSON object"
	}
	return "not JSON"
}

// reasonError words a FailedLoginReason as something the user can act on.
// Every refusal is exit 3.
func reasonError(reason, mode string, p *config.Profile, host string) error {
	var why string
	switch reason {
	case reasonInvalidCredentials:
		why = "wrong " + wrongWords(mode, p) + "; check them and try again" + clientHint(mode)
	case reasonMultipleAccounts:
		why = "the e-mail address matches more than one YM account; log in with the account's username instead of the e-mail address"
	case reasonAccountLockedOut:
		why = "the account is locked after too many failed logins; wait for the lock to end, or ask your association's YM administrator to unlock it"
	case reasonAccountSuspended:
		why = "the account is suspended; ask your association's YM administrator to reinstate it"
	case reasonAccountPendingApproval:
		why = "the account is waiting for the association to approve it; try again once an administrator has approved it"
	case reasonInvalidClient:
		id := p.Option(OptClientID, "")
		if id == "" {
			why = "YM does not accept this login without a client; set --client-id to your association's YM ClientID"
		} else {
			why = "YM does not know ClientID " + id + " for this login; check --client-id (your association's YM ClientID)"
		}
	case reasonInvalidToken:
		why = "the exchange token is invalid or has expired; get a new one and log in again"
	case reasonConsentRequired:
		why = "the account has terms to accept first; log in once on the association's website, accept them, then try again"
	default:
		why = "YM refused the login (FailedLoginReason " + printable(reason) + ")"
	}
	return clierr.New(clierr.Rejected, "ym login to %s refused: %s", host, why)
}

// credentialWords names what the user typed, for "wrong …" and "check …".
func credentialWords(mode string, p *config.Profile) string {
	switch {
	case mode == ModeAdmin:
		return "API key and API password"
	case mode == ModeConsumer:
		return "consumer key and consumer secret"
	case mode == ModeToken:
		return "exchange token"
	case strings.EqualFold(p.Option(OptLoginField, ""), "email"):
		return "e-mail address and password"
	}
	return "username and password"
}

// wrongWords is credentialWords for "wrong …": either may be at fault.
func wrongWords(mode string, p *config.Profile) string {
	return strings.Replace(credentialWords(mode, p), " and ", " or ", 1)
}

// clientHint reminds member and admin logins that credentials are per
// association.
func clientHint(mode string) string {
	if mode == ModeMember || mode == ModeAdmin {
		return ", and that --client-id is your association's"
	}
	return ""
}

// statusMessage is ": Message" from a ServiceStack ResponseStatus, on one
// line, without a trailing period and with the secret masked (a vendor may
// echo the request), or "" when there is none.
func statusMessage(rs *responseStatus, secret string) string {
	if rs == nil {
		return ""
	}
	msg := rs.Message
	if msg == "" && len(rs.Errors) > 0 {
		msg = rs.Errors[0].Message
	}
	if msg == "" {
		msg = rs.ErrorCode
	}
	msg = strings.Join(strings.Fields(msg), " ")
	msg = redact.New(secret).String(msg)
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "…"
	}
	msg = strings.TrimRight(msg, ".")
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// errorCode is a ResponseStatus's ErrorCode when it says there was an
// error: "" for none, an empty code or "None" (MemberJunction's YM
// connector treats those three as success).
func errorCode(rs *responseStatus) string {
	if rs == nil {
		return ""
	}
	c := strings.TrimSpace(rs.ErrorCode)
	if c == "" || strings.EqualFold(c, reasonNone) {
		return ""
	}
	return c
}

// AnswerError reads a YM data answer: a 2xx whose ResponseStatus carries an
// ErrorCode is the vendor saying the call failed, and its Message is the
// error the caller must see (Info.AnswerError). MemberJunction's YM
// connector checks every data answer so (CheckResponseError: "YM API error:
// Message" when ErrorCode is neither None nor empty). The message is cut to one
// short line; "" when the answer is not such a failure.
func AnswerError(status int, body []byte) string {
	if status < 200 || status > 299 {
		return ""
	}
	var a struct{ ResponseStatus *responseStatus }
	if json.Unmarshal(body, &a) != nil {
		return ""
	}
	code := errorCode(a.ResponseStatus)
	if code == "" {
		return ""
	}
	return "ResponseStatus.ErrorCode " + printable(code) + statusMessage(a.ResponseStatus, "")
}

// printable keeps a vendor enum name short and plain for a message.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// newSession builds the session from a successful answer.
func newSession(ar *authResponse, mode string, p *config.Profile, issued time.Time) *providers.Session {
	fields := map[string]string{}
	set := func(m map[string]string, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	cid := ar.ClientID.id()
	if cid == "" {
		cid = p.Option(OptClientID, "")
	}
	set(fields, "client_id", cid)
	set(fields, "member_id", ar.MemberID.id())
	set(fields, "user_id", ar.UserID.id())
	secrets := map[string]string{}
	// session_id duplicates Token so that `env` has YM_SESSION_ID (SPEC §3)
	// without knowing about YM.
	set(secrets, "session_id", ar.SessionID)
	set(secrets, "bearer_token", ar.BearerToken)
	set(secrets, "refresh_token", ar.RefreshToken)
	set(secrets, "exchange_token", ar.ExchangeToken)
	user := ar.UserName
	if user == "" {
		user = ar.DisplayName
	}
	if user == "" {
		user = p.Username
	}
	s := &providers.Session{
		Provider:     "ym",
		Mode:         mode,
		Token:        ar.SessionID,
		User:         user,
		Fields:       fields,
		SecretFields: secrets,
		IssuedAt:     issued,
	}
	if len(fields) == 0 {
		s.Fields = nil
	}
	return s
}

func now(env *providers.Env) time.Time {
	if env.Now != nil {
		return env.Now()
	}
	return time.Now()
}

// Headers implements providers.Provider: X-SS-ID, which is how every public
// client authenticates YM data calls, and the Bearer token only when the
// profile asks for it (option bearer: true) and YM issued one. The
// BearerToken stays in the session for `token show --format json` and `env`.
func (*Provider) Headers(p *config.Profile, s *providers.Session) []providers.Header {
	h := []providers.Header{{Name: "X-SS-ID", Value: s.Token}}
	if p == nil || !strings.EqualFold(p.Option(OptBearer, ""), "true") {
		return h
	}
	if b := s.SecretFields["bearer_token"]; b != "" {
		h = append(h, providers.Header{Name: "Authorization", Value: "Bearer " + b})
	}
	return h
}

// ValidUntil implements providers.Provider. YM does not say when a session
// ends (about 15 minutes after issue), so it is IssuedAt plus the profile's
// TTL window, DefaultTTL when the window is unset.
func (*Provider) ValidUntil(s *providers.Session, w providers.Windows) time.Time {
	if !s.ExpiresAt.IsZero() {
		return s.ExpiresAt
	}
	ttl := w.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return s.IssuedAt.Add(ttl)
}

// IsAuthError implements providers.Provider: YM (ServiceStack) answers 401
// to a data request whose X-SS-ID is missing, unknown or expired. A 403 is
// not one: it means the session lacks a permission, which logging in again
// does not give.
func (*Provider) IsAuthError(status int, _ http.Header, _ []byte) bool {
	return status == http.StatusUnauthorized
}

// Adopt implements providers.Adopter: a login that answered with a ClientID
// gives a profile without one its API base, {url}/Ams/{ClientID}.
func (*Provider) Adopt(p *config.Profile, s *providers.Session) {
	if p.Option(OptClientID, "") == "" && s.Fields["client_id"] != "" && s.Fields["client_id"] != "0" {
		p.SetOption(OptClientID, s.Fields["client_id"])
	}
}

var _ providers.Provider = (*Provider)(nil)
var _ providers.Adopter = (*Provider)(nil)
