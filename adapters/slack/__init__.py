"""The Slack adapter: slack-bolt listeners and a ChatPlatform on the Slack Web API."""
