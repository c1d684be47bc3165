// Command testcluster is the one binary behind tests/cluster/up: a real Kubernetes control
// plane (embedded etcd, kube-apiserver, kube-controller-manager, kube-scheduler) built from the
// k8s.io/kubernetes module, plus the supervisor that starts it on loopback with KWOK.
//
// Each component runs in its own process (a subcommand of this binary, like the old hyperkube)
// because the components keep global state (flags, klog, metrics registries) that would clash
// in one process, and separate processes let the supervisor report each one's memory.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: testcluster COMMAND [flags]

commands:
  up                       start a whole cluster and stay in the foreground (see tests/cluster/up)
  etcd                     embedded etcd server
  kube-apiserver           k8s.io/kubernetes/cmd/kube-apiserver/app
  kube-controller-manager  k8s.io/kubernetes/cmd/kube-controller-manager/app
  kube-scheduler           k8s.io/kubernetes/cmd/kube-scheduler/app
  metrics-api              the resource metrics API (metrics.k8s.io) from KWOK's kubelet metrics
  yaml2json FILE           print a YAML file as JSON (for scripts: tests/scenarios/check)
`)
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var code int
	switch cmd {
	case "up":
		code = runUp(args)
	case "etcd":
		code = runEtcd(args)
	case "kube-apiserver":
		code = runAPIServer(args)
	case "kube-controller-manager":
		code = runControllerManager(args)
	case "kube-scheduler":
		code = runScheduler(args)
	case "metrics-api":
		code = runMetricsAPI(args)
	case "yaml2json":
		code = runYAML2JSON(args)
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "testcluster: unknown command %q\n", cmd)
		usage()
		code = 2
	}
	os.Exit(code)
}

// runYAML2JSON lets shell scripts read YAML with jq without depending on a YAML tool that may
// not be installed.
func runYAML2JSON(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: testcluster yaml2json FILE")
		return 2
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out, err := yaml.YAMLToJSON(data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", args[0], err)
		return 1
	}
	fmt.Println(string(out))
	return 0
}
