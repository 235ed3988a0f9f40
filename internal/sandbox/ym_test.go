package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/providers/providertest"
)

func newYMTest(ttl time.Duration) (*YM, *providertest.Clock) {
	c := providertest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	return NewYM(Options{TTL: ttl, Now: c.Now}), c
}

// ymDo sends one request straight to the handler.
func ymDo(y *YM, method, path string, header map[string]string, body string) (*httptest.ResponseRecorder, map[string]any) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	y.ServeHTTP(w, r)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w, m
}

var ymJSONHeaders = map[string]string{"Content-Type": "application/json", "Accept": "application/json"}

func ymMemberLogin(t *testing.T, y *YM) string {
	t.Helper()
	w, m := ymDo(y, "POST", "/Ams/Authenticate", ymJSONHeaders,
		`{"ClientID":31337,"UserType":"Member","Username":"jdoe","Password":"ym-member-pass"}`)
	if w.Code != 200 {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	sid, _ := m["SessionId"].(string)
	if sid == "" {
		t.Fatalf("login without SessionId: %s", w.Body)
	}
	return sid
}

func TestYMLoginAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		path       string
		ct         string
		body       string
		wantStatus int
		wantReason string // FailedLoginReason, "" when the body has none
		wantCode   string // ResponseStatus.ErrorCode
		wantLogin  bool
		counter    string
	}{
		{"member", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Username":"jdoe","Password":"ym-member-pass"}`, 200, "None", "", true, ""},
		{"member by e-mail, any case of member names", "POST", "/Ams/Authenticate", "application/json; charset=utf-8", `{"clientId":31337,"emailAddress":"jdoe@example.org","password":"ym-member-pass"}`, 200, "None", "", true, ""},
		{"admin key", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"UserType":"Admin","Username":"SANDBOX-API-KEY","Password":"ym-api-pass"}`, 200, "None", "", true, ""},
		{"admin key as member", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"UserType":"Member","Username":"SANDBOX-API-KEY","Password":"ym-api-pass"}`, 401, "None", "", false, ""},
		{"consumer", "POST", "/Ams/Authenticate", "application/json", `{"ConsumerKey":"sandbox-consumer-key","ConsumerSecret":"ym-consumer-secret"}`, 200, "None", "", true, ""},
		{"token", "POST", "/Ams/Authenticate/ym-xt-5f0c2a9e71d4", "application/json", `{}`, 200, "None", "", true, ""},
		{"token in the body", "POST", "/Ams/Authenticate", "application/json", `{"Token":"ym-xt-5f0c2a9e71d4"}`, 200, "None", "", true, ""},
		{"unknown token", "POST", "/Ams/Authenticate/nope", "application/json", `{}`, 401, "InvalidToken", "InvalidToken", false, ""},
		{"wrong password", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Username":"jdoe","Password":"x"}`, 401, "None", "", false, ""},
		{"no credentials", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337}`, 401, "None", "", false, ""},
		{"unknown client", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":1,"Username":"jdoe","Password":"ym-member-pass"}`, 200, "InvalidClient", "", false, ""},
		{"no client", "POST", "/Ams/Authenticate", "application/json", `{"Username":"jdoe","Password":"ym-member-pass"}`, 200, "InvalidClient", "", false, ""},
		{"multiple accounts", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"EmailAddress":"family@example.org","Password":"p"}`, 200, "MultipleAccounts", "", false, ""},
		{"locked", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Username":"locked.member","Password":"p"}`, 401, "AccountLockedOut", "AccountLockedOut", false, ""},
		{"suspended", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Username":"suspended.member","Password":"p"}`, 401, "AccountSuspended", "AccountSuspended", false, ""},
		{"pending", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Username":"pending.member","Password":"p"}`, 200, "AccountPendingApproval", "", false, ""},
		{"consent", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Username":"consent.member","Password":"p"}`, 200, "ConsentRequired", "", false, ""},
		{"invalid credentials", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Username":"wrong.member","Password":"p"}`, 401, "InvalidCredentials", "InvalidCredentials", false, ""},
		{"ClientID as a string", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":"31337","Username":"jdoe","Password":"ym-member-pass"}`, 400, "", "SerializationException", false, "clientid_not_number"},
		{"ClientID as a fraction", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337.5}`, 400, "", "SerializationException", false, "clientid_not_number"},
		{"bad UserType", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"UserType":"member"}`, 400, "", "SerializationException", false, ""},
		{"bad Device", "POST", "/Ams/Authenticate", "application/json", `{"ClientID":31337,"Device":"Palm"}`, 400, "", "SerializationException", false, ""},
		{"not JSON", "POST", "/Ams/Authenticate", "application/json", `{ClientID: 31337}`, 400, "", "SerializationException", false, ""},
		{"JSV content type", "POST", "/Ams/Authenticate", "text/jsv", `{ClientID: 31337}`, 415, "", "NotSupportedException", false, "content_type_not_json"},
		{"GET", "GET", "/Ams/Authenticate", "", ``, 405, "", "NotImplementedException", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			y, _ := newYMTest(0)
			w, m := ymDo(y, tt.method, tt.path, map[string]string{"Content-Type": tt.ct, "Accept": "application/json"}, tt.body)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got, _ := m["FailedLoginReason"].(string); got != tt.wantReason {
				t.Errorf("FailedLoginReason = %q, want %q", got, tt.wantReason)
			}
			rs, _ := m["ResponseStatus"].(map[string]any)
			if rs == nil {
				t.Errorf("no ResponseStatus in %s", w.Body)
			}
			if got, _ := rs["ErrorCode"].(string); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			_, hasSession := m["SessionId"]
			if hasSession != tt.wantLogin || (y.Logins() == 1) != tt.wantLogin {
				t.Errorf("SessionId present %v, logins %d; want a login: %v", hasSession, y.Logins(), tt.wantLogin)
			}
			if tt.counter != "" && y.Get(tt.counter) != 1 {
				t.Errorf("counter %s = %d, want 1", tt.counter, y.Get(tt.counter))
			}
		})
	}
}

// TestYMBadLoginBody: SPEC §2 gives the exact body of a bad login.
func TestYMBadLoginBody(t *testing.T) {
	t.Parallel()
	y, _ := newYMTest(0)
	w, _ := ymDo(y, "POST", "/Ams/Authenticate", ymJSONHeaders, `{"ClientID":31337,"Username":"jdoe","Password":"wrong"}`)
	want := `{"FailedLoginReason":"None","ResponseStatus":{"Message":"Invalid username/password combination."}}`
	if w.Code != 401 || strings.TrimSpace(w.Body.String()) != want {
		t.Errorf("bad login = %d %s, want 401 %s", w.Code, w.Body, want)
	}
}

func TestYMSuccessFields(t *testing.T) {
	t.Parallel()
	y, _ := newYMTest(0)
	body := `{"ClientID":31337,"Username":"jdoe","Password":"ym-member-pass"}`
	_, plain := ymDo(y, "POST", "/Ams/Authenticate", ymJSONHeaders, body)
	for _, k := range []string{"ClientID", "MemberID", "FailedLoginReason", "SessionId", "UserId", "UserName", "DisplayName", "BearerToken", "RefreshToken", "ResponseStatus"} {
		if _, ok := plain[k]; !ok {
			t.Errorf("success lacks %s", k)
		}
	}
	for _, k := range []string{"MemberConfig", "BrandingConfig", "ExchangeToken"} {
		if _, ok := plain[k]; ok {
			t.Errorf("%s sent without being asked for", k)
		}
	}
	if plain["ClientID"] != float64(YMClientID) || plain["MemberID"] != float64(ymMemberID) {
		t.Errorf("ClientID/MemberID = %v/%v", plain["ClientID"], plain["MemberID"])
	}
	_, full := ymDo(y, "POST", "/Ams/Authenticate", ymJSONHeaders,
		`{"ClientID":31337,"Username":"jdoe","Password":"ym-member-pass","IncludeMemberConfig":true,"IncludeBrandingConfig":true,"IncludeExchangeToken":true,"Device":"IOS"}`)
	for _, k := range []string{"MemberConfig", "BrandingConfig", "ExchangeToken"} {
		if _, ok := full[k]; !ok {
			t.Errorf("%s missing though asked for", k)
		}
	}
	if mc, _ := full["MemberConfig"].(map[string]any); mc["Device"] != "IOS" {
		t.Errorf("MemberConfig.Device = %v, want IOS", mc["Device"])
	}
	if plain["SessionId"] == full["SessionId"] {
		t.Error("two logins share a SessionId")
	}
	if y.Logins() != 2 {
		t.Errorf("Logins = %d, want 2", y.Logins())
	}
	_, admin := ymDo(y, "POST", "/Ams/Authenticate", ymJSONHeaders, `{"ClientID":31337,"UserType":"Admin","Username":"SANDBOX-API-KEY","Password":"ym-api-pass"}`)
	if _, ok := admin["BearerToken"]; ok {
		t.Error("admin API key login got a BearerToken; the fake promises none")
	}
}

func TestYMAcceptCounted(t *testing.T) {
	t.Parallel()
	y, _ := newYMTest(0)
	w, _ := ymDo(y, "POST", "/Ams/Authenticate", map[string]string{"Content-Type": "application/json"}, `{"ClientID":31337,"Username":"jdoe","Password":"ym-member-pass"}`)
	if w.Code != 200 || y.Get("accept_not_json") != 1 {
		t.Errorf("status %d, accept_not_json = %d; want 200 and 1", w.Code, y.Get("accept_not_json"))
	}
}

func TestYMOptions(t *testing.T) {
	t.Parallel()
	y, _ := newYMTest(0)
	w, _ := ymDo(y, "OPTIONS", "/Ams/Authenticate/whatever", nil, "")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Allow"), "POST") {
		t.Errorf("OPTIONS = %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestYMDataRoutes(t *testing.T) {
	t.Parallel()
	y, clock := newYMTest(10 * time.Minute)
	sid := ymMemberLogin(t, y)
	tests := []struct {
		name   string
		path   string
		sid    string
		at     time.Duration // clock offset from login (cumulative, tests run in order)
		expire bool
		want   int
	}{
		{"no X-SS-ID", "/Ams/31337/MemberProfile", "", 0, false, 401},
		{"unknown X-SS-ID", "/Ams/31337/MemberProfile", "not-a-session", 0, false, 401},
		{"other client", "/Ams/40404/MemberProfile", sid, 0, false, 401},
		{"not a client id", "/Ams/abc/MemberProfile", sid, 0, false, 404},
		{"outside /Ams", "/api/whatever", sid, 0, false, 404},
		{"live", "/Ams/31337/MemberProfile", sid, 0, false, 200},
		{"any path echoes", "/Ams/31337/Events?top=3", sid, 0, false, 200},
		{"just before the TTL", "/Ams/31337/MemberProfile", sid, 10*time.Minute - time.Second, false, 200},
		{"at the TTL", "/Ams/31337/MemberProfile", sid, 10 * time.Minute, false, 401},
	}
	start := clock.Now()
	for _, tt := range tests { // in order: the clock moves forward
		clock.Set(start.Add(tt.at))
		w, m := ymDo(y, "GET", tt.path, map[string]string{"X-SS-ID": tt.sid}, "")
		if w.Code != tt.want {
			t.Errorf("%s: status = %d, want %d: %s", tt.name, w.Code, tt.want, w.Body)
			continue
		}
		if tt.want == 401 {
			rs, _ := m["ResponseStatus"].(map[string]any)
			if rs["ErrorCode"] != "Unauthorized" {
				t.Errorf("%s: 401 body = %s, want a ResponseStatus", tt.name, w.Body)
			}
		}
		if tt.name == "live" && (m["MemberID"] != float64(ymMemberID) || m["Username"] != YMUser) {
			t.Errorf("MemberProfile = %s", w.Body)
		}
		if tt.name == "any path echoes" && (m["Path"] != "/Events" || m["Query"] != "top=3") {
			t.Errorf("echo = %s", w.Body)
		}
	}
	if y.Get("unauthorized") != 4 {
		t.Errorf("unauthorized = %d, want 4", y.Get("unauthorized"))
	}
}

func TestYMExpire(t *testing.T) {
	t.Parallel()
	y, _ := newYMTest(0)
	sid := ymMemberLogin(t, y)
	srv := httptest.NewServer(y)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/Ams/31337/MemberProfile", nil)
	req.Header.Set("X-SS-ID", sid)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("live session: %d", resp.StatusCode)
	}
	resp, err = http.Post(srv.URL+"/_sandbox/expire", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("expire: %d", resp.StatusCode)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("after expire: %d, want 401", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/_sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]int64
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil || stats["logins"] != 1 || stats["unauthorized"] != 1 {
		t.Errorf("stats = %v, %v", stats, err)
	}
}

func TestYMRegistered(t *testing.T) {
	t.Parallel()
	v, err := New("ym", Options{})
	if err != nil || v.Name() != "ym" {
		t.Fatalf("New(ym) = %v, %v", v, err)
	}
	found := false
	for _, n := range Names() {
		found = found || n == "ym"
	}
	if !found {
		t.Errorf("Names() = %v lacks ym", Names())
	}
	if y := NewYM(Options{}); y.opts.TTL != 15*time.Minute {
		t.Errorf("default TTL = %v, want 15m", y.opts.TTL)
	}
}
