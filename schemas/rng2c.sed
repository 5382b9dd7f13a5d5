# Turn each line of a text file into a C string literal ending in \n.
s/\\/\\\\/g
s/"/\\"/g
s/^/	"/
s/$/\\n"/
