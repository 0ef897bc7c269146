"""Decision letters (HTML and PDF) rendered when a decision becomes final; templates in templates/."""
