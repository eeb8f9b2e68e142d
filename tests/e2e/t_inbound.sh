# shellcheck shell=bash
# Inbound: new TCP/UDP flows to pod IP:PORT for each exposed port reach the
# actor at 10.200.0.2:ACTORPORT with the client's address kept, and the
# replies come back from pod IP:PORT (udp-get fails when they do not; a TCP
# handshake cannot complete otherwise). Run for both attach modes.

inbound() {
	local mode="$1"
	std_topo "in$mode"
	serve a-a1 tcp 80 --tag a1
	serve a-a1 udp 53 --tag a1
	serve a-a1 tcp 8081 --tag a1
	serve a-a1 tcp 8082 --tag a1
	serve a-a1 udp 80 --tag a1
	up 1 a1 --attach "$mode" --expose 80 --expose 8080:8082/tcp --expose 9053:53/udp

	check_get "[$mode] node -> pod:80 reaches the actor, client IP and port kept" node tcp 192.0.2.11 80 \
		'^peer=192\.0\.2\.1:45000 local=10\.200\.0\.2:80 tag=a1$' --bind-port 45000
	check_get "[$mode] node -> pod:8080 (inside the SNAT range) reaches actor port 8082" node tcp 192.0.2.11 8080 \
		'^peer=192\.0\.2\.1:[0-9]+ local=10\.200\.0\.2:8082 tag=a1$'
	check_get "[$mode] node -> pod:9053/udp reaches actor port 53, reply from pod IP:9053" node udp 192.0.2.11 9053 \
		'^peer=192\.0\.2\.1:45001 local=10\.200\.0\.2:53 tag=a1$' --bind-port 45001
	check_get "[$mode] inet -> pod:80 (routed client) keeps the client IP" inet tcp 192.0.2.11 80 \
		'^peer=203\.0\.113\.10:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_get "[$mode] inet -> pod:9053/udp keeps the client IP" inet udp 192.0.2.11 9053 \
		'^peer=203\.0\.113\.10:[0-9]+ local=10\.200\.0\.2:53 tag=a1$'
	check_no_get "[$mode] unexposed pod:8081 does not reach the actor's 8081" node tcp 192.0.2.11 8081
	check_no_get "[$mode] pod:80/udp (only tcp exposed) does not reach the actor" node udp 192.0.2.11 80
	check_bulk "[$mode] node -> actor bulk TCP via pod:80 (8 MiB)" node 192.0.2.11 80 push
	check_bulk "[$mode] actor -> node bulk TCP via pod:80 (8 MiB)" node 192.0.2.11 80 pull
}

test_inbound_tcx() { inbound tcx; }
test_inbound_tc() { inbound tc; }

test_inbound_default_port() {
	std_topo ind
	serve a-a1 tcp 80 --tag a1
	serve a-a1 tcp 8080 --tag a1
	up 1 a1
	check_get "no --expose: pod:80/tcp reaches the actor" node tcp 192.0.2.11 80 \
		'^peer=192\.0\.2\.1:[0-9]+ local=10\.200\.0\.2:80 tag=a1$'
	check_no_get "no --expose: pod:8080 is not exposed" node tcp 192.0.2.11 8080
}
