// Probe on aws-sdk-go-v2, pinned in go.mod to the versions daprd 1.18 builds with:
// polls config.LoadDefaultConfig's credentials (the chain Dapr's AWS components
// use) and prints "key <id>" for N seconds.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
)

func main() {
	seconds, _ := strconv.ParseFloat(os.Args[1], 64)
	fmt.Printf("pid %d\n", os.Getpid())
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(1)
	}
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(end) {
		value, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			fmt.Printf("error %v\n", err)
		} else {
			fmt.Printf("key %s\n", value.AccessKeyID)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
