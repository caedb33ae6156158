{{/*
Names. Component helpers take (dict "root" $ "component" "<name>").
*/}}
{{- define "bmcp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bmcp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* 52 characters: StatefulSet pods add a revision hash label to their name. */}}
{{- define "bmcp.componentName" -}}
{{- printf "%s-%s" (include "bmcp.fullname" .root) .component | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "bmcp.poolHeadlessName" -}}
{{- printf "%s-headless" (include "bmcp.componentName" (dict "root" .root "component" "mcp-pool")) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bmcp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bmcp.labels" -}}
helm.sh/chart: {{ include "bmcp.chart" . }}
app.kubernetes.io/name: {{ include "bmcp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bedrock-mcp-platform
{{- end }}

{{- define "bmcp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bmcp.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "bmcp.componentLabels" -}}
{{ include "bmcp.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The ServiceAccount of a component, one each: (dict "root" $ "component" "gateway"). With
serviceAccount.create=false every component uses serviceAccount.name (or "default").
*/}}
{{- define "bmcp.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create }}
{{- include "bmcp.componentName" (dict "root" .root "component" .component) }}
{{- else }}
{{- default "default" .root.Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Whether a component calls AWS, so its ServiceAccount carries the IAM role (IRSA): the agent
worker (Bedrock), the gateway (voice: Bedrock; users' server configs: DynamoDB with ddb_table) and
the pool (DynamoDB with ddb_table). Prints "true" or nothing. (dict "root" $ "component" "gateway")
*/}}
{{- define "bmcp.usesAws" -}}
{{- $dynamo := .root.Values.settings.ddb_table }}
{{- if or (eq .component "agent-worker") (eq .component "gateway") (and (eq .component "mcp-pool") $dynamo) }}true{{- end }}
{{- end }}

{{- define "bmcp.secretName" -}}
{{- default (include "bmcp.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
Image reference: (dict "root" $ "component" "gateway" "image" .Values.gateway.image).
*/}}
{{- define "bmcp.image" -}}
{{- $values := .root.Values.image }}
{{- $repository := default (printf "%s/%s" $values.repositoryPrefix .component) .image.repository }}
{{- $tag := .image.tag | default $values.tag | default .root.Chart.AppVersion }}
{{- if $values.registry }}
{{- printf "%s/%s:%s" $values.registry $repository $tag }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{- define "bmcp.redisSecretName" -}}
{{- default (printf "%s-redis" (include "bmcp.fullname" .)) .Values.redis.bundled.auth.existingSecret }}
{{- end }}

{{/*
REDIS_URL of a component: (dict "root" $ "component" "gateway"). The bundled Redis has one ACL
user per component (named after it, see redis.yaml), its password from the Redis Secret; the
URL is put together by Kubernetes from REDIS_PASSWORD, so the password is in no manifest.
*/}}
{{- define "bmcp.redisEnv" -}}
{{- $root := .root }}
{{- $external := or $root.Values.redis.url $root.Values.redis.existingSecret.name }}
{{- if and $external $root.Values.redis.bundled.enabled }}
{{- fail "redis: set redis.bundled.enabled=false when using redis.url or redis.existingSecret" }}
{{- end }}
{{- if $root.Values.redis.bundled.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "bmcp.redisSecretName" $root }}
      key: {{ .component }}
- name: REDIS_URL
  value: {{ printf "redis://%s:$(REDIS_PASSWORD)@%s:6379" .component (include "bmcp.componentName" (dict "root" $root "component" "redis")) | quote }}
{{- else if $root.Values.redis.existingSecret.name }}
{{- $valuesKey := get (dict "gateway" "gateway" "agent-worker" "agentWorker" "mcp-pool" "mcpPool") .component }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.redis.existingSecret.name }}
      key: {{ get $root.Values.redis.existingSecret.componentKeys $valuesKey | default $root.Values.redis.existingSecret.key }}
{{- else }}
- name: REDIS_URL
  value: {{ required "redis.url (or redis.existingSecret.name) is required when redis.bundled.enabled is false" $root.Values.redis.url | quote }}
{{- end }}
{{- end }}

{{/* PUBLIC_URL: where people open the UI (the OIDC redirect URI and the WebSocket Origin derive from it). */}}
{{- define "bmcp.publicUrl" -}}
{{- if .Values.publicUrl }}
{{- .Values.publicUrl }}
{{- else if .Values.ingress.enabled }}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host }}
{{- end }}
{{- end }}

{{- define "bmcp.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "bmcp.secretName" .root }}
      key: {{ .env }}
      optional: {{ not (has .env (list "SECRETS_KEY" "INTERNAL_API_KEY")) }}
{{- end }}

{{/*
Environment every platform container gets: how the services find each other (fixed here, not
settable through .Values.settings), the keys from the Secret (not for web), then the component's
extraEnv. Every setting the chart manages is named here, so a workload cannot miss one.
(dict "root" $ "component" "gateway" "values" .Values.gateway)
*/}}
{{- define "bmcp.env" -}}
{{- $root := .root }}
- name: NODE_ENV
  value: production
- name: CONFIG_PATH
  value: /etc/bedrock-mcp/config.json
{{- if ne .component "web" }}
{{ include "bmcp.redisEnv" (dict "root" $root "component" .component) }}
{{- end }}
- name: MCP_POOL_URL
  value: {{ printf "http://%s:%v" (include "bmcp.componentName" (dict "root" $root "component" "mcp-pool")) $root.Values.mcpPool.service.port | quote }}
- name: MCP_SERVICE_HOST
  value: 0.0.0.0
- name: MCP_SERVICE_PORT
  value: "7002"
- name: MCP_POOL_HOST
  value: 0.0.0.0
- name: MCP_POOL_PORT
  value: "7003"
- name: AGENT_WORKER_HOST
  value: 0.0.0.0
- name: AGENT_WORKER_PORT
  value: "7004"
- name: WEB_PORT
  value: "3000"
- name: USER_WORKSPACES_DIR
  value: /app/data/workspaces
- name: WEB_HOST
  value: 0.0.0.0
- name: GATEWAY_URL
  value: {{ printf "http://%s:%v" (include "bmcp.componentName" (dict "root" $root "component" "gateway")) $root.Values.gateway.service.port | quote }}
{{- with (include "bmcp.publicUrl" $root) }}
- name: PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- if and (eq .component "gateway") (not $root.Values.settings.OIDC_ISSUER_URL) (not $root.Values.settings.AUTH_MODE) }}
{{- fail "sign-in: set settings.OIDC_ISSUER_URL and settings.OIDC_CLIENT_ID (and secrets.oidcClientSecret) for your identity provider, or settings.AUTH_MODE=local to let everyone who reaches the UI act as one local user (docs/deployment.md)" }}
{{- end }}
{{- /*
Each component gets only the keys it uses: the gateway authenticates callers (API_KEY; OIDC_CLIENT_SECRET
for sign-in), encrypts
users' server secrets (SECRETS_KEY) and calls AWS (voice, DynamoDB); the worker calls the models;
the pool decrypts users' server secrets and reads DynamoDB. The web server only serves files and
proxies the gateway: it gets no keys (nor the Redis URL above). INTERNAL_API_KEY: gateway, agent-worker and mcp-pool present
it to each other and require it on /metrics.
*/}}
{{- if eq .component "gateway" }}
{{- range $env := list "API_KEY" "SECRETS_KEY" "INTERNAL_API_KEY" "OIDC_CLIENT_SECRET" "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY" }}
{{ include "bmcp.secretEnv" (dict "root" $root "env" $env) }}
{{- end }}
{{- else if eq .component "agent-worker" }}
{{- range $env := list "INTERNAL_API_KEY" "COMPATIBLE_API_KEY" "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY" }}
{{ include "bmcp.secretEnv" (dict "root" $root "env" $env) }}
{{- end }}
{{- else if eq .component "mcp-pool" }}
{{- range $env := list "SECRETS_KEY" "INTERNAL_API_KEY" "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY" }}
{{ include "bmcp.secretEnv" (dict "root" $root "env" $env) }}
{{- end }}
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "bmcp.envFrom" -}}
- configMapRef:
    name: {{ include "bmcp.fullname" .root }}-settings
{{- with .values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Rolls the pods when the settings, conf/config.json or the chart's Secret change. */}}
{{- define "bmcp.checksums" -}}
checksum/settings: {{ toJson .Values.settings | sha256sum }}
checksum/config: {{ include "bmcp.configJson" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secrets: {{ toJson .Values.secrets | sha256sum }}
{{- end }}
{{- end }}

{{- define "bmcp.configJson" -}}
{{- if .Values.config.override }}
{{- toPrettyJson .Values.config.override }}
{{- else }}
{{- .Files.Get "files/config.json" }}
{{- end }}
{{- end }}

{{/* liveness: /healthz (the process answers); readiness: /readyz (its dependencies answer). */}}
{{- define "bmcp.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: {{ .readinessPath | default "/readyz" }}
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end }}

{{/*
Pod-level fields shared by every platform workload: (dict "root" $ "values" .Values.gateway).
*/}}
{{- define "bmcp.podSpec" -}}
serviceAccountName: {{ include "bmcp.serviceAccountName" . }}
automountServiceAccountToken: {{ .root.Values.serviceAccount.automountToken }}
terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Volumes every platform pod mounts: conf/config.json and a writable /tmp. */}}
{{- define "bmcp.commonVolumes" -}}
- name: config
  configMap:
    name: {{ include "bmcp.fullname" .root }}-config
- name: tmp
  emptyDir: {}
{{- with .values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "bmcp.commonVolumeMounts" -}}
- name: config
  mountPath: /etc/bedrock-mcp
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- with .values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "bmcp.podLabels" -}}
{{ include "bmcp.selectorLabels" (dict "root" .root "component" .component) }}
{{- with .values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* HorizontalPodAutoscaler: (dict "root" $ "component" "gateway" "kind" "Deployment" "values" .Values.gateway). */}}
{{- define "bmcp.hpa" -}}
{{- if .values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "bmcp.componentName" . }}
  labels:
    {{- include "bmcp.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: {{ .kind }}
    name: {{ include "bmcp.componentName" . }}
  minReplicas: {{ .values.autoscaling.minReplicas }}
  maxReplicas: {{ .values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}

{{/* PodDisruptionBudget: (dict "root" $ "component" "gateway" "values" .Values.gateway). */}}
{{- define "bmcp.pdb" -}}
{{- if .values.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "bmcp.componentName" . }}
  labels:
    {{- include "bmcp.componentLabels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .values.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "bmcp.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}
