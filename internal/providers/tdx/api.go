package tdx

// userLogin is the body of POST api/auth/login (seed 002).
type userLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// adminLogin is the body of POST api/auth/loginadmin (seed 002).
type adminLogin struct {
	BEID           string `json:"BEID"`
	WebServicesKey string `json:"WebServicesKey"`
}

// claims are the JWT claims sesame reads; the signature is not checked,
// since sesame is not the token's audience-side verifier, only its carrier.
type claims struct {
	Exp        *float64 `json:"exp"`
	UniqueName string   `json:"unique_name"`
}
