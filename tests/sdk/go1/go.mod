module dapr-aws/probes/go1

go 1.24

require github.com/aws/aws-sdk-go v1.55.6

require github.com/jmespath/go-jmespath v0.4.0 // indirect
