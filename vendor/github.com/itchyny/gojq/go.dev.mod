module github.com/itchyny/gojq

go 1.21

require (
	github.com/itchyny/astgen-go v0.0.0-20231113225122-e1c22b9aaf7b // indirect
	github.com/itchyny/timefmt-go v0.1.6 // indirect
)
