// Probe on aws-sdk-go v1, pinned in go.mod to the version daprd 1.16 builds with:
// polls the default credential chain and prints the access key id it sees, as
// "key <id>" (or "error <message>"), for N seconds.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go/aws/session"
)

func main() {
	seconds, _ := strconv.ParseFloat(os.Args[1], 64)
	fmt.Printf("pid %d\n", os.Getpid())
	sess, err := session.NewSession()
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(1)
	}
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(end) {
		value, err := sess.Config.Credentials.Get()
		if err != nil {
			fmt.Printf("error %v\n", err)
		} else {
			fmt.Printf("key %s\n", value.AccessKeyID)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
