package session

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Raw field names, as record.Raw lists them.
const (
	rawSecret       = "secret"
	rawToken        = "session.token"
	rawUser         = "session.user"
	rawFields       = "session.fields."
	rawSecretFields = "session.secret_fields."
)

// marshal is the record as the store keeps it: every string that is not
// UTF-8 (a vendor's session cookie, a Latin-1 password from stdin) is
// stored as base64 and named in Raw, so that it comes back byte for byte.
func marshal(rec *record) ([]byte, error) {
	c := *rec
	c.Raw = nil
	enc := func(name string, s *string) {
		if !utf8.ValidString(*s) {
			*s = base64.StdEncoding.EncodeToString([]byte(*s))
			c.Raw = append(c.Raw, name)
		}
	}
	enc(rawSecret, &c.Secret)
	if rec.Session != nil {
		s := *rec.Session
		s.Fields = maps.Clone(s.Fields)
		s.SecretFields = maps.Clone(s.SecretFields)
		c.Session = &s
		enc(rawToken, &s.Token)
		enc(rawUser, &s.User)
		for _, m := range []struct {
			prefix string
			m      map[string]string
		}{{rawFields, s.Fields}, {rawSecretFields, s.SecretFields}} {
			for _, k := range slices.Sorted(maps.Keys(m.m)) {
				v := m.m[k]
				enc(m.prefix+k, &v)
				m.m[k] = v
			}
		}
	}
	return json.Marshal(&c)
}

// decodeRaw undoes marshal's base64 for the fields Raw names.
func (r *record) decodeRaw() error {
	for _, name := range r.Raw {
		var get func() string
		var set func(string)
		s := r.Session
		switch {
		case name == rawSecret:
			get, set = func() string { return r.Secret }, func(v string) { r.Secret = v }
		case s != nil && name == rawToken:
			get, set = func() string { return s.Token }, func(v string) { s.Token = v }
		case s != nil && name == rawUser:
			get, set = func() string { return s.User }, func(v string) { s.User = v }
		case s != nil && strings.HasPrefix(name, rawFields) && s.Fields != nil:
			k := strings.TrimPrefix(name, rawFields)
			get, set = func() string { return s.Fields[k] }, func(v string) { s.Fields[k] = v }
		case s != nil && strings.HasPrefix(name, rawSecretFields) && s.SecretFields != nil:
			k := strings.TrimPrefix(name, rawSecretFields)
			get, set = func() string { return s.SecretFields[k] }, func(v string) { s.SecretFields[k] = v }
		default:
			return errors.New("unknown raw field")
		}
		b, err := base64.StdEncoding.DecodeString(get())
		if err != nil {
			return err
		}
		set(string(b))
	}
	r.Raw = nil
	return nil
}
