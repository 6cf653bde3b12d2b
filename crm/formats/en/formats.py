# Dates are typed the Russian way (дд.мм.гггг) in every language of the UI: the English UI is a
# translation for the same teams, not another country's calendar. ISO dates are accepted as well
# (Django adds them), so links that carry 2026-03-15 keep working.
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y"]
DATETIME_INPUT_FORMATS = ["%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%y %H:%M", "%d.%m.%Y"]
