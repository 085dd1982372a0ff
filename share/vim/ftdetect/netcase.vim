" netcase case files (netcase.case(5))
autocmd BufRead,BufNewFile *.case setfiletype netcase
