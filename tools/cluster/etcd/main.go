// The etcd server binary: the same entry point as etcd's own main package,
// which lives in a module that is not meant to be required.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
