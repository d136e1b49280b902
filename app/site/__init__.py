"""Site-wide pages that belong to no domain: health check, language switch, error pages."""
