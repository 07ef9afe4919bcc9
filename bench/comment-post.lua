-- wrk script for bench/comments.sh: every request posts a distinct comment (thread number and a
-- per-thread counter in the text, so duplicate detection never fires) with the form's post id and
-- signed token, given as arguments after `--`.
local threads = {}
local next_id = 0

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

function init(args)
    post_id = args[1]
    token = args[2]
    counter = 0
end

function request()
    counter = counter + 1
    local tag = id .. "-" .. counter
    local body = "comment_post_ID=" .. post_id .. "&quire_token=" .. token .. "&comment_parent=0"
        .. "&author=Bench+" .. id .. "&email=bench" .. id .. "%40example.org"
        .. "&comment=Comment+" .. tag .. "%3A+Kathy+remembers+the+song+and+the+tape+again."
    return wrk.format("POST", "/comments", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
