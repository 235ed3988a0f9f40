package ym

import (
	"strconv"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/ratelimit"
)

// Info implements providers.Provider.
func (*Provider) Info() providers.Info {
	return providers.Info{
		Name:           "ym",
		SecretHeaders:  []string{"X-SS-ID", "Authorization"},
		SecretJSONKeys: []string{"Password", "ConsumerSecret", "AccessToken", "SessionId", "BearerToken", "SkypeName"},
		WindowSettings: []string{"session_ttl"},
		RefusedPath:    refusedPath,
		RateLimit:      rateLimit,
		Paginates:      true,
		KeepWarmAhead:  3 * time.Minute, // about 12 of its 15 minutes
		// ResponseStatus on a 2xx data answer is the vendor's error.
		AnswerError: AnswerError,
		SingleUse: map[string]string{
			ModeToken: "exchange token not saved: it is single-use, so this session cannot renew; log in with a new token when it ends",
		},
		// Check: GET {base}/Ams/{ClientID}/People, the data call of the
		// public MemberJunction YourMembership sync engine
		// (YMSyncEngine.fetchWithSession, X-SS-ID alone; testdata/wire/ym/
		// data-401.json), one row of it (PageSize/PageNumber, YM's paging).
		Check: func(*config.Profile) providers.CheckCall {
			return providers.CheckCall{Method: "GET", Path: "/People?PageSize=1&PageNumber=1"}
		},
		AccountFlags: func(mode, user string) []string {
			switch mode {
			case ModeConsumer:
				return []string{"--consumer-key", user, "--secret-stdin"}
			case ModeToken:
				return []string{"--token", "--token-stdin"}
			case ModeAdmin:
				return []string{"--user-type", "admin", "--username", user, "--password-stdin"}
			}
			return []string{"--username", user, "--password-stdin"}
		},
		Login: providers.LoginInfo{
			Use:   "ym [--client-id N] (--username U | --email E | --consumer-key K | --token)",
			Short: "Log in to the YourMembership REST API",
			Long: `Log in to the YourMembership REST services (POST /Ams/Authenticate) and keep
the SessionId (sent later as X-SS-ID) and, when issued, the BearerToken.

  member    --username U or --email E, with the password      (UserType Member)
  admin     --user-type admin --username API_KEY, with the API password
            (YM admin API credentials are this same form with UserType Admin)
  consumer  --consumer-key K, with the consumer secret; UserType Member
            unless --user-type says otherwise. An access token, when your
            integration has one, is read like a secret: from
            $SESAME_ACCESS_TOKEN or with --access-token-stdin (the consumer
            secret then comes from $SESAME_SECRET or a prompt), never from a
            flag value; it is saved with the consumer secret for renewal.
  token     --token: exchange a token at /Ams/Authenticate/{Token}; the token
            is read like a secret (--token-stdin, SESAME_SECRET or a prompt)

--url defaults to https://ws.yourmembership.com. --client-id is your
association's ClientID (sent as a JSON number). Data URLs are
{url}/Ams/{ClientID}/…, so 'sesame curl /People' reaches /Ams/{ClientID}/People.

Data calls carry X-SS-ID alone, as every public YM client sends them; with
--bearer they also carry Authorization: Bearer when YM issued a BearerToken
(kept either way for 'token show --format json' and 'env').`,
			Example: `  sesame login ym --client-id 31337 --username jdoe
  printf '%s' "$YM_API_PASSWORD" | sesame login ym --client-id 31337 --user-type admin --username "$YM_API_KEY" --password-stdin
  printf '%s' "$YM_CONSUMER_SECRET" | sesame login ym --client-id 31337 --consumer-key "$YM_CONSUMER_KEY" --secret-stdin
  printf '%s' "$EXCHANGE_TOKEN" | sesame login ym --client-id 31337 --token --token-stdin`,
			Flags: []providers.Flag{
				{Name: "url", Usage: "YM REST service (default https://ws.yourmembership.com)"},
				{Name: "client-id", Usage: "your association's ClientID (a number)"},
				{Name: "username", Usage: "member username, or the API key with --user-type admin"},
				{Name: "email", Usage: "member e-mail address (instead of --username)"},
				{Name: "login-field", Usage: "what --username holds: username or email"},
				{Name: "user-type", Usage: "admin, member or anonymous (UserType)"},
				{Name: "device", Usage: "desktop (default), ios or android (Device)"},
				{Name: "include", Usage: "comma list: member-config, branding, exchange-token"},
				{Name: "consumer-key", Usage: "consumer key (the consumer secret is read like a password)"},
				{Name: "token", Bool: true, Usage: "exchange a token at /Ams/Authenticate/{Token} (the token is read like a secret)"},
				{Name: "token-stdin", Bool: true, Usage: "read the exchange token from stdin"},
				{Name: "access-token-stdin", Bool: true, Usage: "consumer: read the AccessToken from stdin (or set SESAME_ACCESS_TOKEN)"},
				{Name: "bearer", Bool: true, Usage: "also send Authorization: Bearer on data calls (default: X-SS-ID alone)"},
			},
			Exclusive: [][]string{{"username", "email", "consumer-key", "token"}},
			Parse:     parseLogin,
		},
	}
}

func parseLogin(in *providers.LoginInput) (*providers.LoginRequest, error) {
	r := &providers.LoginRequest{URL: in.String("url"), Username: in.String("username")}
	opts := map[string]string{}
	if clientID := in.String("client-id"); clientID != "" {
		if _, err := strconv.ParseInt(clientID, 10, 32); err != nil {
			return nil, providers.UsageError("--client-id %q: want a whole number (your association's ClientID)", clientID)
		}
		opts[OptClientID] = clientID
	}
	if device := in.String("device"); device != "" {
		d, ok := providers.OneOf(device, "Desktop", "IOS", "Android")
		if !ok {
			return nil, providers.UsageError("--device %q: want desktop, ios or android", device)
		}
		opts[OptDevice] = d
	}
	if include := in.String("include"); include != "" {
		for _, part := range strings.Split(include, ",") {
			if _, ok := providers.OneOf(strings.TrimSpace(part), "member-config", "branding", "exchange-token"); !ok {
				return nil, providers.UsageError("--include %q: want a comma list of member-config, branding, exchange-token", part)
			}
		}
		opts[OptInclude] = strings.ToLower(include)
	}
	ut := ""
	if userType := in.String("user-type"); userType != "" {
		var ok bool
		if ut, ok = providers.OneOf(userType, "Admin", "Member", "Anonymous"); !ok {
			return nil, providers.UsageError("--user-type %q: want admin, member or anonymous", userType)
		}
	}
	r.SecretStdin = in.Bool("token-stdin")
	if in.Changed("bearer") {
		opts[OptBearer] = ""
		if in.Bool("bearer") {
			opts[OptBearer] = "true"
		}
	}
	email, consumerKey := in.String("email"), in.String("consumer-key")
	switch {
	case in.Bool("token"):
		r.Mode = ModeToken
	case consumerKey != "":
		r.Mode, r.Username = ModeConsumer, consumerKey
	case ut == "Admin":
		r.Mode = ModeAdmin
	case ut != "" || r.Username != "" || email != "":
		r.Mode = ModeMember
	default:
		// No flag names a login form: keep the profile's (a new profile
		// gets member), so that `sesame login ym -p P` logs a consumer or
		// token profile in again as what it is.
		r.Mode = ""
	}
	if ut != "" {
		// An empty value removes an earlier login's user_type: admin mode
		// always sends UserType Admin.
		opts[OptUserType] = ut
		if r.Mode == ModeAdmin {
			opts[OptUserType] = ""
		}
	}
	loginField := in.String("login-field")
	if email != "" {
		if r.Username != "" && r.Mode == ModeMember {
			return nil, providers.UsageError("give --username or --email, not both")
		}
		r.Username, loginField = email, "email"
	} else if loginField == "" && in.Changed("username") {
		// --username is a username, whatever an earlier --email login of
		// this profile left in login_field.
		opts[OptLoginField] = ""
	}
	if loginField != "" {
		lf, ok := providers.OneOf(loginField, "username", "email")
		if !ok {
			return nil, providers.UsageError("--login-field %q: want username or email", loginField)
		}
		opts[OptLoginField] = lf
	}
	at := in.Getenv("SESAME_ACCESS_TOKEN")
	if stdin := in.Bool("access-token-stdin"); stdin || at != "" {
		mode := r.Mode
		if mode == "" && in.Profile != nil {
			mode = in.Profile.Mode // no form flag: the profile's own form (see above)
		}
		if mode != ModeConsumer {
			return nil, providers.UsageError("an access token (--access-token-stdin, SESAME_ACCESS_TOKEN) goes with a consumer login (--consumer-key)")
		}
		if stdin && (r.SecretStdin || in.Bool("password-stdin") || in.Bool("key-stdin") || in.Bool("secret-stdin")) {
			return nil, providers.UsageError("stdin can carry one secret: give the access token with --access-token-stdin and the consumer secret in SESAME_SECRET (or at the prompt)")
		}
		r.Second = &providers.SecondSecret{What: "access token", Stdin: stdin, Value: at, Join: func(secret, tok string) (string, error) {
			if tok == "" || strings.ContainsAny(tok, "\r\n") {
				return "", providers.UsageError("the access token is empty or spans several lines")
			}
			if strings.Contains(secret, SecretSeparator) {
				return "", providers.UsageError("the consumer secret spans several lines")
			}
			return secret + SecretSeparator + tok, nil
		}}
	}
	r.Options = opts
	if r.URL == "" {
		if in.Profile != nil && in.Profile.URL != "" {
			r.URL = in.Profile.URL
		} else {
			r.URL = DefaultURL
		}
	}
	return r, nil
}

// refusedPath: /Ams/Authenticate and its token exchange
// /Ams/Authenticate/{Token}.
func refusedPath(p string) bool { return strings.Contains(p, "/ams/authenticate") }

// rateLimit is YourMembership's dialect: it answers 429 with Retry-After
// (MemberJunction's YM connector waits that long, else 1 s·2ⁿ up to 30 s)
// and sends no budget headers, so the whole API is one budget and only
// the 429 path applies.
var rateLimit = &ratelimit.Dialect{Vendor: "YourMembership"}
