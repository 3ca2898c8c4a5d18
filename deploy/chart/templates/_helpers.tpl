{{/* Chart name and labels shared by every object. */}}
{{- define "troupe.chart" -}}
{{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "troupe.labels" -}}
helm.sh/chart: {{ include "troupe.chart" . }}
app.kubernetes.io/part-of: troupe
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one service; call with (dict "root" $ "name" $name). */}}
{{- define "troupe.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "troupe.serviceLabels" -}}
{{ include "troupe.labels" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: service
app.kubernetes.io/version: {{ .root.Values.image.tag | toString | trunc 63 | trimSuffix "-" | quote }}
{{- end }}

{{/* Image reference of one service; call with (dict "root" $ "svc" $svc). */}}
{{- define "troupe.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $tag := required "image.tag is required (deploy.yml passes the commit sha)" (.svc.tag | default .root.Values.image.tag) -}}
{{- if $registry -}}{{ $registry }}/{{- end -}}{{ .svc.repository }}:{{ $tag }}
{{- end }}

{{/* Redis address: the configured host, else the local stack's Redis. */}}
{{- define "troupe.redisHost" -}}
{{- if .Values.redis.host -}}
{{ .Values.redis.host }}
{{- else if .Values.local.enabled -}}
{{ .Release.Name }}-redis.{{ .Release.Namespace }}.svc.cluster.local:6379
{{- else -}}
{{ fail "redis.host is required when the local stack (local.enabled) is off" }}
{{- end -}}
{{- end }}

{{/* OTLP (gRPC) endpoint the sidecars export traces to: tracing.otlpEndpoint, else the local collector. */}}
{{- define "troupe.tracingEndpoint" -}}
{{- if .Values.tracing.otlpEndpoint -}}
{{ .Values.tracing.otlpEndpoint }}
{{- else if .Values.local.enabled -}}
{{ .Release.Name }}-otel-collector.{{ .Release.Namespace }}.svc.cluster.local:4317
{{- end -}}
{{- end }}

{{/* OTLP (HTTP) endpoint for the services' own telemetry: app.otlpEndpoint, else the local collector. */}}
{{- define "troupe.appOtlpEndpoint" -}}
{{- if .Values.app.otlpEndpoint -}}
{{ .Values.app.otlpEndpoint }}
{{- else if .Values.local.enabled -}}
http://{{ .Release.Name }}-otel-collector.{{ .Release.Namespace }}.svc.cluster.local:4318
{{- end -}}
{{- end }}

{{/* Restricted pod/container security settings shared by the services and the local stack. */}}
{{- define "troupe.podSecurityContext" -}}
runAsNonRoot: true
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "troupe.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Labels of the local stack's objects; call with (dict "root" $ "name" "redis"). */}}
{{- define "troupe.localLabels" -}}
{{ include "troupe.labels" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: local-stack
{{- end }}

{{- define "troupe.localSelector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* Connection metadata shared by the Redis state store and pub/sub. */}}
{{- define "troupe.redisMetadata" -}}
- name: redisHost
  value: {{ include "troupe.redisHost" . | quote }}
{{- if .Values.redis.passwordSecret.name }}
- name: redisPassword
  secretKeyRef:
    name: {{ .Values.redis.passwordSecret.name }}
    key: {{ .Values.redis.passwordSecret.key }}
{{- else }}
- name: redisPassword
  value: ""
{{- end }}
{{- if .Values.redis.enableTLS }}
- name: enableTLS
  value: "true"
{{- end }}
{{- end }}
