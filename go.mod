module github.com/argilla-authproxy/authproxy

go 1.26
