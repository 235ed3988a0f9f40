package cmd

import (
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/providers/ym"
)

func newLoginYMCmd(app *App) *cobra.Command {
	o := &loginOptions{Provider: "ym"}
	var clientID, userType, device, include, email, consumerKey, loginField string
	var token, tokenStdin, accessTokenStdin, bearer bool
	cmd := &cobra.Command{
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := map[string]string{}
			if clientID != "" {
				if _, err := strconv.ParseInt(clientID, 10, 32); err != nil {
					return usageErr("--client-id %q: want a whole number (your association's ClientID)", clientID)
				}
				opts[ym.OptClientID] = clientID
			}
			if device != "" {
				d, ok := oneOf(device, "Desktop", "IOS", "Android")
				if !ok {
					return usageErr("--device %q: want desktop, ios or android", device)
				}
				opts[ym.OptDevice] = d
			}
			if include != "" {
				for _, part := range strings.Split(include, ",") {
					if _, ok := oneOf(strings.TrimSpace(part), "member-config", "branding", "exchange-token"); !ok {
						return usageErr("--include %q: want a comma list of member-config, branding, exchange-token", part)
					}
				}
				opts[ym.OptInclude] = strings.ToLower(include)
			}
			ut := ""
			if userType != "" {
				var ok bool
				if ut, ok = oneOf(userType, "Admin", "Member", "Anonymous"); !ok {
					return usageErr("--user-type %q: want admin, member or anonymous", userType)
				}
			}
			o.SecretStdin = o.SecretStdin || tokenStdin
			if cmd.Flags().Changed("bearer") {
				opts[ym.OptBearer] = ""
				if bearer {
					opts[ym.OptBearer] = "true"
				}
			}
			switch {
			case token:
				o.Mode = ym.ModeToken
			case consumerKey != "":
				o.Mode, o.Username = ym.ModeConsumer, consumerKey
			case ut == "Admin":
				o.Mode = ym.ModeAdmin
			case ut != "" || o.Username != "" || email != "":
				o.Mode = ym.ModeMember
			default:
				// No flag names a login form: keep the profile's (a new
				// profile gets member), so that `sesame login ym -p P` logs
				// a consumer or token profile in again as what it is.
				o.Mode = ""
			}
			if ut != "" {
				// An empty value removes an earlier login's user_type: admin
				// mode always sends UserType Admin.
				opts[ym.OptUserType] = ut
				if o.Mode == ym.ModeAdmin {
					opts[ym.OptUserType] = ""
				}
			}
			if email != "" {
				if o.Username != "" && o.Mode == ym.ModeMember {
					return usageErr("give --username or --email, not both")
				}
				o.Username, loginField = email, "email"
			} else if loginField == "" && cmd.Flags().Changed("username") {
				// --username is a username, whatever an earlier --email
				// login of this profile left in login_field.
				opts[ym.OptLoginField] = ""
			}
			if loginField != "" {
				lf, ok := oneOf(loginField, "username", "email")
				if !ok {
					return usageErr("--login-field %q: want username or email", loginField)
				}
				opts[ym.OptLoginField] = lf
			}
			at := app.Getenv("SESAME_ACCESS_TOKEN")
			if accessTokenStdin || at != "" {
				mode := o.Mode
				if mode == "" {
					// No form flag: the profile's own form (see above).
					if c, err := app.Config(); err == nil {
						if p, ok := c.Profiles[profileName(app, "ym")]; ok {
							mode = p.Mode
						}
					}
				}
				if mode != ym.ModeConsumer {
					return usageErr("an access token (--access-token-stdin, SESAME_ACCESS_TOKEN) goes with a consumer login (--consumer-key)")
				}
				if accessTokenStdin && o.SecretStdin {
					return usageErr("stdin can carry one secret: give the access token with --access-token-stdin and the consumer secret in SESAME_SECRET (or at the prompt)")
				}
				o.JoinSecret = func(secret string) (string, error) {
					tok := at
					if accessTokenStdin {
						b, err := io.ReadAll(io.LimitReader(app.IO.In, 64<<10))
						if err != nil {
							return "", usageErr("reading the access token from stdin: %v", err)
						}
						tok = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
					}
					if tok == "" || strings.ContainsAny(tok, "\r\n") {
						return "", usageErr("the access token is empty or spans several lines")
					}
					if strings.Contains(secret, ym.SecretSeparator) {
						return "", usageErr("the consumer secret spans several lines")
					}
					return secret + ym.SecretSeparator + tok, nil
				}
			}
			o.Options = opts
			if o.URL == "" {
				if c, err := app.Config(); err == nil {
					if p, ok := c.Profiles[profileName(app, "ym")]; ok && p.URL != "" {
						o.URL = p.URL
					}
				}
				if o.URL == "" {
					o.URL = ym.DefaultURL
				}
			}
			return runLogin(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "", "YM REST service (default https://ws.yourmembership.com)")
	f.StringVar(&clientID, "client-id", "", "your association's ClientID (a number)")
	f.StringVar(&o.Username, "username", "", "member username, or the API key with --user-type admin")
	f.StringVar(&email, "email", "", "member e-mail address (instead of --username)")
	f.StringVar(&loginField, "login-field", "", "what --username holds: username or email")
	f.StringVar(&userType, "user-type", "", "admin, member or anonymous (UserType)")
	f.StringVar(&device, "device", "", "desktop (default), ios or android (Device)")
	f.StringVar(&include, "include", "", "comma list: member-config, branding, exchange-token")
	f.StringVar(&consumerKey, "consumer-key", "", "consumer key (the consumer secret is read like a password)")
	f.BoolVar(&token, "token", false, "exchange a token at /Ams/Authenticate/{Token} (the token is read like a secret)")
	f.BoolVar(&tokenStdin, "token-stdin", false, "read the exchange token from stdin")
	f.BoolVar(&accessTokenStdin, "access-token-stdin", false, "consumer: read the AccessToken from stdin (or set SESAME_ACCESS_TOKEN)")
	f.BoolVar(&bearer, "bearer", false, "also send Authorization: Bearer on data calls (default: X-SS-ID alone)")
	addSecretFlags(cmd, o)
	cmd.MarkFlagsMutuallyExclusive("username", "email", "consumer-key", "token")
	return cmd
}

// oneOf matches s case-insensitively against the allowed spellings and
// returns the canonical one.
func oneOf(s string, allowed ...string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a, true
		}
	}
	return "", false
}

func profileName(app *App, provider string) string {
	if app.Profile != "" {
		return app.Profile
	}
	return provider
}
