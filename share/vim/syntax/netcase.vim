" Vim syntax file
" Language:	netcase case files (netcase.case(5))
" Maintainer:	the netcase developers
if exists('b:current_syntax')
  finish
endif

syn case match
syn iskeyword @,48-57,_,-

" statements: the first word of a line (lang/case.c, statements[])
syn keyword netcaseStatement contained host link timeout tolerance kernel sysctl timers
syn keyword netcaseStatement contained capture start expect signal close shutdown abort send
syn keyword netcaseStatement contained accept sleep mark cut restore rule remove netem
syn keyword netcaseStatement contained firewall nat mss-clamp route flush inject
syn match netcaseStart '^\s*\k\+' contains=netcaseStatement

" what an actor does and how an expectation is judged
syn keyword netcaseAction listen connect exec udp echo silent reply request repeat stream
syn keyword netcaseAction recv noread read noaccept eof hold every times unconnected ipv6
syn keyword netcaseAction into seq ack window data ts rcv_nxt snd_nxt snd_una retransmission
syn keyword netcaseMode within throughout between since and or not includes exits prints
syn keyword netcaseMode running connected matched ok error status
syn keyword netcaseFunction count any none history events packets flows gaps counter
syn match netcaseFunction '\<\(count\|any\|none\|history\|events\|flows\|times\|gaps\)\ze('

" socket states, as ss names them
syn keyword netcaseState established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait
syn keyword netcaseState closed close-wait last-ack listening closing unconn synchronized

syn match netcaseArrow '->'
syn match netcaseOperator '==\|!=\|<=\|>=\|[<>]'
syn match netcaseNumber '\<\d\+\(\.\d\+\)\=\(ms\|us\|s\|%\|[KMG]i\=B\|bytes\|[kmg]bit\)\=\>'
syn match netcaseCounter '\<\(Tcp\|Udp\|Ip\|Icmp\)\(Ext\|6\)\=\u\w*\>'
syn match netcaseDropReason '\<\u\u\+\(_\u\+\)\+\>'
syn match netcaseVariable '\${\(casedir\|evidence\)}'
syn region netcaseString start=+"+ skip=+\\"+ end=+"+ contains=netcaseVariable
syn match netcaseComment '#.*$' contains=@Spell

hi def link netcaseStatement Statement
hi def link netcaseAction Keyword
hi def link netcaseMode Conditional
hi def link netcaseFunction Function
hi def link netcaseState Constant
hi def link netcaseArrow Operator
hi def link netcaseOperator Operator
hi def link netcaseNumber Number
hi def link netcaseCounter Identifier
hi def link netcaseDropReason Type
hi def link netcaseVariable PreProc
hi def link netcaseString String
hi def link netcaseComment Comment

let b:current_syntax = 'netcase'
