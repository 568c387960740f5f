#!/bin/sh
# PostgreSQL's first start runs this (docker-compose.yml mounts this folder as
# /docker-entrypoint-initdb.d): one role per process, from rahnuma-roles.psql. Passwords come
# from the environment, or from files named like the variables in lower case in /run/secrets.
# It can run again, for an upgrade or a new password (docs/deploy.md, "Database roles"):
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-rahnuma-roles.sh
# RAHNUMA_DB_ROLES names the roles' prefix (default rahnuma: rahnuma_gateway, …,
# rahnuma_tracker); the tests give their own, so they never touch a deployment's roles.
(
	set -eu
	here=/docker-entrypoint-initdb.d
	[ -f "$here/rahnuma-roles.psql" ] || here=$(dirname "$0")
	for name in RAHNUMA_GATEWAY_DB_PASSWORD RAHNUMA_ENGINE_DB_PASSWORD RAHNUMA_ACTIONS_DB_PASSWORD; do
		file=/run/secrets/$(echo "$name" | tr 'A-Z' 'a-z')
		eval "value=\${$name:-}"
		if [ -z "$value" ] && [ -r "$file" ]; then
			value=$(cat "$file")
			export "$name=$value"
		fi
		if [ -z "$value" ]; then
			echo "10-rahnuma-roles.sh: $name is not set" >&2
			exit 1
		fi
	done
	prefix=${RAHNUMA_DB_ROLES:-rahnuma}
	psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" \
		--dbname postgres \
		-v gateway="${prefix}_gateway" -v engine="${prefix}_engine" \
		-v actions="${prefix}_actions" -v app_db="${POSTGRES_DB:-rahnuma}" \
		-v tracker_db="${prefix}_tracker" -f "$here/rahnuma-roles.psql"
)
